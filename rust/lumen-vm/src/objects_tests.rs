//! Tests of the operations on records, variants, lists, maps and strings: construction,
//! field, index and slot access, iteration, and in-place updates of unshared values.

use std::rc::Rc;

use crate::builtins::Builtin;
use crate::lir::{BinOp, Instr};
use crate::machine::tests::{display, func, int, module};
use crate::machine::{Outcome, Vm, VmConfig};
use crate::value::Value;
use Instr::*;

#[test]
fn records_variants_and_fields() {
    let code = vec![
        int(0, 1),
        int(1, 2),
        MakeRecord {
            dst: 2,
            ty: 0,
            start: 0,
        },
        LoadConst { dst: 3, idx: 1 },
        MakeVariant {
            dst: 4,
            variant: 0,
            start: 3,
        },
        MakeVariant {
            dst: 5,
            variant: 1,
            start: 3,
        },
        MakeVariant {
            dst: 6,
            variant: 2,
            start: 0,
        },
        MakeOk { dst: 7, src: 0 },
        LoadConst { dst: 8, idx: 4 },
        MakeErr { dst: 8, src: 8 },
        MakeList {
            dst: 9,
            start: 2,
            count: 7,
        },
        Return { src: 9 },
    ];
    assert_eq!(
        display(code, 10),
        "[Point(x: 1, y: 2), 2.5, Circle(radius: 2.5), Square(2.5), Empty, ok(1), err(\"boom\")]"
    );
    let code = vec![
        int(0, 1),
        int(1, 2),
        MakeRecord {
            dst: 2,
            ty: 0,
            start: 0,
        },
        Move { dst: 3, src: 2 },
        int(4, 10),
        SetField {
            obj: 3,
            name: 1,
            src: 4,
        }, // copy-on-write: r2 unchanged
        GetField {
            dst: 5,
            obj: 2,
            name: 1,
        },
        GetField {
            dst: 6,
            obj: 3,
            name: 1,
        },
        GetSlot {
            dst: 7,
            obj: 3,
            slot: 0,
        },
        LoadConst { dst: 8, idx: 1 },
        MakeVariant {
            dst: 8,
            variant: 0,
            start: 8,
        },
        GetField {
            dst: 9,
            obj: 8,
            name: 2,
        },
        IsUserType {
            dst: 10,
            src: 8,
            ty: 1,
        },
        IsUserType {
            dst: 11,
            src: 2,
            ty: 1,
        },
        IsVariant {
            dst: 12,
            src: 8,
            variant: 0,
        },
        MakeVariant {
            dst: 13,
            variant: 2,
            start: 0,
        },
        IsVariant {
            dst: 13,
            src: 13,
            variant: 1,
        },
        MakeList {
            dst: 0,
            start: 2,
            count: 12,
        },
        Return { src: 0 },
    ];
    assert_eq!(
        display(code, 14),
        "[Point(x: 1, y: 2), Point(x: 1, y: 10), 10, 2, 10, 1, Circle(radius: 2.5), 2.5, true, false, true, false]"
    );
    // A missing field on a record is E0911.
    let r = display(
        vec![
            int(0, 1),
            int(1, 2),
            MakeRecord {
                dst: 2,
                ty: 0,
                start: 0,
            },
            GetField {
                dst: 0,
                obj: 2,
                name: 2,
            },
            Return { src: 0 },
        ],
        3,
    );
    assert!(r.starts_with("ERR E0911 line 4"), "{r}");
}

#[test]
fn lists_maps_and_indexing() {
    let code = vec![
        int(0, 10),
        int(1, 20),
        MakeList {
            dst: 2,
            start: 0,
            count: 2,
        },
        Push { list: 2, src: 0 },
        int(3, 1),
        GetIndex {
            dst: 4,
            obj: 2,
            idx: 3,
        },
        int(5, 99),
        SetIndex {
            obj: 2,
            idx: 3,
            src: 5,
        },
        Len { dst: 6, src: 2 },
        IterGet {
            dst: 7,
            list: 2,
            idx: 3,
        },
        LoadConst { dst: 8, idx: 2 },
        MakeMap {
            dst: 9,
            start: 8,
            count: 1,
        }, // {"x": [..]}
        LoadConst { dst: 10, idx: 0 },
        SetIndex {
            obj: 9,
            idx: 10,
            src: 3,
        },
        GetIndex {
            dst: 11,
            obj: 9,
            idx: 10,
        },
        GetIndex {
            dst: 12,
            obj: 9,
            idx: 5,
        }, // missing key → null
        MakeList {
            dst: 0,
            start: 2,
            count: 1,
        },
        MakeTuple {
            dst: 1,
            start: 4,
            count: 9,
        },
        Return { src: 1 },
    ];
    assert_eq!(
        display(code, 13),
        "(20, 99, 3, 99, \"x\", {\"x\": null, \"hello\": 1}, \"hello\", 1, null)"
    );
    let r = display(
        vec![
            int(0, 1),
            MakeList {
                dst: 1,
                start: 0,
                count: 1,
            },
            int(2, 1),
            GetIndex {
                dst: 0,
                obj: 1,
                idx: 2,
            },
            Return { src: 0 },
        ],
        3,
    );
    assert_eq!(
        r,
        "ERR E0903 line 4: index 1 out of range for list of length 1"
    );
    let r = display(
        vec![
            int(0, 1),
            MakeList {
                dst: 1,
                start: 0,
                count: 1,
            },
            int(2, -1),
            GetIndex {
                dst: 0,
                obj: 1,
                idx: 2,
            },
            Return { src: 0 },
        ],
        3,
    );
    assert!(r.starts_with("ERR E0903"));
    // Strings index by character.
    let r = display(
        vec![
            LoadConst { dst: 0, idx: 0 },
            int(1, 4),
            GetIndex {
                dst: 2,
                obj: 0,
                idx: 1,
            },
            Return { src: 2 },
        ],
        3,
    );
    assert_eq!(r, "o");
}

#[test]
fn iteration_preparation() {
    let code = vec![
        LoadConst { dst: 0, idx: 0 },
        IterPrep { dst: 1, src: 0 },
        LoadConst { dst: 2, idx: 2 },
        int(3, 5),
        MakeMap {
            dst: 4,
            start: 2,
            count: 1,
        },
        IterPrep { dst: 5, src: 4 },
        MakeTuple {
            dst: 0,
            start: 1,
            count: 5,
        },
        Return { src: 0 },
    ];
    assert_eq!(
        display(code, 6),
        "([\"h\", \"e\", \"l\", \"l\", \"o\"], \"x\", 5, {\"x\": 5}, [(\"x\", 5)])"
    );
    assert!(
        display(vec![int(0, 1), IterPrep { dst: 0, src: 0 }, ReturnNull], 1)
            .starts_with("ERR E0900")
    );
}

fn list_ptr(v: &Value) -> *const crate::value::Seq {
    match v {
        Value::List(l) => Rc::as_ptr(l),
        _ => std::ptr::null(),
    }
}

fn str_ptr(v: &Value) -> *const String {
    match v {
        Value::Str(s) => Rc::as_ptr(s),
        _ => std::ptr::null(),
    }
}

#[test]
fn pushes_and_appends_are_in_place() {
    // xs = []; s = ""; i = 0; while i < 100000 { Push xs i; s = s + "ab"; xs = append(xs, i) (via Take); i += 1 }
    let code = vec![
        MakeList {
            dst: 0,
            start: 0,
            count: 0,
        },
        LoadConst { dst: 1, idx: 2 }, // "x"
        int(2, 0),
        int(3, 100_000),
        Binary {
            op: BinOp::Lt,
            dst: 4,
            a: 2,
            b: 3,
        }, // 4
        JumpIfFalse {
            cond: 4,
            target: 13,
        },
        Push { list: 0, src: 2 },
        LoadConst { dst: 5, idx: 0 },
        Binary {
            op: BinOp::Add,
            dst: 1,
            a: 1,
            b: 5,
        },
        Take { dst: 6, src: 0 },
        Move { dst: 7, src: 2 },
        CallBuiltin {
            dst: 0,
            builtin: Builtin::Append as u16,
            args: 6,
            argc: 2,
        },
        Jump { target: 14 },
        Jump { target: 16 }, // 13
        AddImm {
            dst: 2,
            a: 2,
            imm: 1,
        }, // 14
        Jump { target: 4 },
        MakeTuple {
            dst: 0,
            start: 0,
            count: 2,
        }, // 16
        Return { src: 0 },
    ];
    let mut vm = Vm::new(
        Rc::new(module(vec![func("main", 0, 8, code)])),
        VmConfig {
            max_depth: 100,
            fuel: Some(50_000),
        },
    )
    .unwrap();
    vm.start("main", vec![]).unwrap();
    let mut ptrs: Option<(*const crate::value::Seq, *const String)> = None;
    let mut checks = 0;
    let v = loop {
        match vm.run() {
            Outcome::OutOfFuel => {
                let now = (list_ptr(&vm.regs[0]), str_ptr(&vm.regs[1]));
                if let Some(before) = ptrs {
                    assert_eq!(before, now, "the list or string was copied");
                    checks += 1;
                }
                ptrs = Some(now);
                vm.add_fuel(50_000);
            }
            Outcome::Finished(v) => break v,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(checks > 10);
    match &v {
        Value::Tuple(t) => {
            assert!(matches!(&t[0], Value::List(l) if l.len() == 200_000));
            assert!(matches!(&t[1], Value::Str(s) if s.len() == 1 + 5 * 100_000));
        }
        _ => panic!("not a tuple"),
    }
}

#[test]
fn shared_values_are_copied_on_write() {
    let code = vec![
        int(0, 1),
        MakeList {
            dst: 1,
            start: 0,
            count: 1,
        },
        Move { dst: 2, src: 1 },
        Push { list: 2, src: 0 },
        LoadConst { dst: 3, idx: 0 },
        Move { dst: 4, src: 3 },
        Binary {
            op: BinOp::Add,
            dst: 4,
            a: 4,
            b: 3,
        },
        Binary {
            op: BinOp::Concat,
            dst: 2,
            a: 2,
            b: 1,
        },
        MakeTuple {
            dst: 0,
            start: 1,
            count: 4,
        },
        Return { src: 0 },
    ];
    assert_eq!(
        display(code, 5),
        "([1], [1, 1, 1], \"hello\", \"hellohello\")"
    );
}
