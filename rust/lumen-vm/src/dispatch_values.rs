//! The bodies of the interpreter loop's arms that build or take apart values: records,
//! variants, closures, slots, typed field reads, appends, iteration set-up and builtin calls.
//!
//! They are macros, not functions, so that moving them here out of [`Vm::execute`]
//! (crate::machine::Vm) changes no generated code: each expands in its arm exactly as it
//! was written there (a function, even `#[inline]`, changed the loop's register allocation
//! every time it was tried; docs/BENCHMARKS.md). Like `dispatch_macros`, they call the
//! macros `execute` defines for itself (`reg!`, `reg_mut!`, `reg_slice!`, `set!`, `fail!`,
//! `charge_work!`, `refresh!`, `save_pc!`) and take the locals they use as arguments.

/// `MakeRecord`: a record of type `$ty` from registers `$start..` (moved when `$take`).
macro_rules! make_record {
    ($prog:ident, $dst:ident, $ty:ident, $start:ident, $take:ident) => {{
        let Some(Some(rt)) = $prog.records.get($ty as usize) else {
            fail!($crate::arith::Fault::runtime(
                "construction of a missing record type"
            ));
        };
        let n = rt.fields.len();
        let s = $start as usize;
        let fields = match n {
            0 => $crate::value::Slots::from_vec(Vec::new()),
            _ => slots!(s, n, $take),
        };
        set!(
            $dst,
            $crate::value::Value::Record(std::rc::Rc::new($crate::value::RecordObj {
                ty: rt.clone(),
                fields
            }))
        )
    }};
}

/// `MakeVariant`: variant `$variant` with its payload from registers `$start..`.
macro_rules! make_variant {
    ($prog:ident, $dst:ident, $variant:ident, $start:ident, $take:ident) => {{
        let Some(info) = $prog.variants.get($variant as usize) else {
            fail!($crate::arith::Fault::runtime(
                "construction of a missing variant"
            ));
        };
        let n = info.fields.len();
        let s = $start as usize;
        let v = match n {
            0 => $crate::value::Value::Tag(info.clone()),
            _ => $crate::value::Value::Variant(std::rc::Rc::new($crate::value::VariantObj {
                info: info.clone(),
                payload: slots!(s, n, $take),
            })),
        };
        set!($dst, v)
    }};
}

/// `MakeClosure`: function `$f` with its captures from registers `$start..`.
macro_rules! make_closure_op {
    ($prog:ident, $dst:ident, $f:ident, $start:ident) => {{
        let Some(cf) = $prog.funcs.get($f as usize) else {
            fail!($crate::arith::Fault::runtime(
                "closure of a missing function"
            ));
        };
        set!(
            $dst,
            $crate::objects::make_closure($f, cf, reg_slice!($start, cf.captures as usize))
        )
    }};
}

/// `GetSlot`: slot `$slot` of the variant or record in `$obj`.
macro_rules! get_slot_op {
    ($dst:ident, $obj:ident, $slot:ident) => {{
        use $crate::value::Value;
        let v = match reg!($obj) {
            Value::Variant(o) => match o.payload.as_slice().get($slot as usize) {
                Some(x) => x.fast_clone(),
                None => try_fault!($crate::objects::get_slot(reg!($obj), $slot)),
            },
            Value::Record(o) => match o.fields.as_slice().get($slot as usize) {
                Some(x) => x.fast_clone(),
                None => try_fault!($crate::objects::get_slot(reg!($obj), $slot)),
            },
            other => try_fault!($crate::objects::get_slot(other, $slot)),
        };
        set!($dst, v)
    }};
}

/// `GetFieldSlot`: field `$name` of the record in `$obj` read at the checker's `$slot` when
/// the record's field there has that name, else exactly what `GetField` does.
macro_rules! get_field_slot {
    ($prog:ident, $dst:ident, $obj:ident, $name:ident, $slot:ident) => {{
        use $crate::value::Value;
        let v = match reg!($obj) {
            Value::Record(o) if o.ty.field_ids.get($slot as usize) == Some(&($name as u32)) => {
                match o.fields.as_slice().get($slot as usize) {
                    Some(x) => x.fast_clone(),
                    None => try_fault!($crate::objects::get_field($prog, reg!($obj), $name)),
                }
            }
            other => try_fault!($crate::objects::get_field($prog, other, $name)),
        };
        set!($dst, v)
    }};
}

/// `CallBuiltin`: charges the builtin's fuel (stopping *at* the call when it runs out, so
/// that `run` retries it with more), calls it and stores its result.
macro_rules! call_builtin_op {
    ($vm:expr, $fuel:ident, $ip:ident, $base:ident, $dst:ident, $builtin:ident, $args:ident, $argc:ident) => {{
        use $crate::builtins::Cost;
        let cost = $builtin.cost();
        // A scalar first argument means constant work for every cost but
        // `range` (whose arguments are all Ints): skip the computation.
        if cost != Cost::Unit && (cost == Cost::Range || $argc == 0 || !reg!($args).is_scalar()) {
            let units = $crate::calls::builtin_fuel(cost, reg_slice!($args, $argc as usize));
            if units < $fuel {
                $fuel -= units;
            } else {
                // Stop *at* the call: with more fuel, `run` retries it.
                // SAFETY: `ip` is past this op.
                $ip = unsafe { $ip.sub(1) };
                save_pc!();
                $vm.fuel = $fuel;
                return $crate::machine::Outcome::OutOfFuel;
            }
        }
        let res = $vm.call_builtin($builtin, $base + $args as usize, $argc as usize);
        refresh!();
        charge_work!($crate::compare::take_work());
        let v = try_fault!(res);
        set!($dst, v)
    }};
}

/// `IterPrep`: the list a `for` loop walks (a string or map becomes a list of its
/// characters or entries, charged by its length).
macro_rules! iter_prep_op {
    ($dst:ident, $src:ident) => {{
        use $crate::value::Value;
        let v = try_fault!($crate::objects::iter_prep(reg!($src)));
        if !matches!(reg!($src), Value::List(_) | Value::Tuple(_)) {
            // A string or map is converted to a list of its characters or entries.
            charge_work!(match &v {
                Value::List(l) => l.len() as u64,
                _ => 0,
            });
        }
        set!($dst, v)
    }};
}
