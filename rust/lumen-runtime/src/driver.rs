//! The synchronous driver: runs a program to completion, answering every tool call.
//!
//! [`run_program`] loops `Vm::run`; at each `ToolCall` suspension it calls
//! [`answer_tool_call`] (registry lookup → grant checks → provider) and resumes the VM with
//! the provider's JSON result or an error (E0908 unknown tool, E0907 grant denied, E0906
//! tool failed). Running out of fuel is an E0910 error: a synchronous host has no reason to
//! pause and resume. Asynchronous hosts drive the VM themselves and may reuse
//! [`answer_tool_call`] or just [`ToolGate`].

use crate::grants::ToolGate;
use crate::provider::{ProviderRegistry, ToolError};
use lumen_vm::error::{codes, RuntimeError};
use lumen_vm::lir::Module;
use lumen_vm::machine::{Outcome, ToolRequest, Vm, VmConfig};
use lumen_vm::value::Value;
use std::rc::Rc;

/// The default recursion limit (spec §7).
pub const DEFAULT_MAX_DEPTH: usize = 10_000;

/// Receives each line the program prints (without its newline).
pub type OutputSink = Box<dyn FnMut(&str)>;

/// Settings of one run.
pub struct RunConfig {
    /// Instruction budget; `None` runs without a limit. Exhausting it is E0910.
    pub fuel: Option<u64>,
    /// Maximum number of call frames (E0909 beyond it).
    pub max_depth: usize,
    /// Receives the program's output (`print`) as it is produced; `None` keeps the VM's
    /// default.
    pub output: Option<OutputSink>,
    /// Per-run grant state; `None` makes a fresh [`ToolGate::new`] (relative paths from the
    /// working directory).
    pub gate: Option<ToolGate>,
}

impl Default for RunConfig {
    fn default() -> RunConfig {
        RunConfig {
            fuel: None,
            max_depth: DEFAULT_MAX_DEPTH,
            output: None,
            gate: None,
        }
    }
}

impl std::fmt::Debug for RunConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunConfig")
            .field("fuel", &self.fuel)
            .field("max_depth", &self.max_depth)
            .field("output", &self.output.is_some())
            .finish()
    }
}

/// Answers one tool call: looks the tool up (E0908 when missing), checks the grants and
/// `max_calls` (E0907, the provider is not called) and calls the provider (its failure
/// is E0906 or E0907). On success the call is counted against `max_calls`.
pub fn answer_tool_call(
    gate: &mut ToolGate,
    registry: &ProviderRegistry,
    request: &ToolRequest,
) -> Result<serde_json::Value, ToolError> {
    let provider = registry.get(&request.name).ok_or_else(|| {
        ToolError::not_provided(registry.unknown_tool_message(&request.name, &request.alias))
    })?;
    let ctx = gate.authorize_request(request, provider.required_grants())?;
    provider.call(&request.args.to_json(), &ctx)
}

/// The E0910 error of a run that used up its `fuel`, at the instruction where `vm`
/// stopped, with its Lumen call stack.
pub fn out_of_fuel(vm: &Vm, fuel: Option<u64>) -> RuntimeError {
    let message = match fuel {
        Some(n) => format!("out of fuel: the program used its budget of {n} instructions"),
        None => "out of fuel".to_string(),
    };
    vm.error_here(codes::OUT_OF_FUEL, message)
}

/// Runs `cell` of `module` with `args` to completion, answering tool calls from `registry`.
/// Returns the cell's value, or the run-time error that stopped the program.
pub fn run_program(
    module: Rc<Module>,
    cell: &str,
    args: Vec<Value>,
    registry: &ProviderRegistry,
    config: RunConfig,
) -> Result<Value, RuntimeError> {
    let RunConfig {
        fuel,
        max_depth,
        output,
        gate,
    } = config;
    let mut vm = Vm::new(module, VmConfig { max_depth, fuel })?;
    if let Some(sink) = output {
        vm.set_output(sink);
    }
    vm.start(cell, args)?;
    let mut gate = gate.unwrap_or_else(ToolGate::new);
    loop {
        match vm.run() {
            Outcome::Finished(value) => return Ok(value),
            Outcome::Error(e) => return Err(e),
            Outcome::OutOfFuel => return Err(out_of_fuel(&vm, fuel)),
            Outcome::ToolCall(request) => match answer_tool_call(&mut gate, registry, &request) {
                Ok(result) => vm.resume_ok(result),
                Err(e) => vm.resume_err(e.code(), e.message),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::FnProvider;
    use lumen_vm::lir::{Constant, Function, Instr, ToolDef, LIR_VERSION};
    use serde_json::json;

    /// `main` calls tool 0 with `{"text": "quiet"}` `calls` times and returns the last result.
    fn calling_module(
        tool: &str,
        grants: Vec<(String, serde_json::Value)>,
        calls: usize,
    ) -> Rc<Module> {
        let mut code = vec![
            Instr::LoadConst { dst: 0, idx: 0 },
            Instr::LoadConst { dst: 1, idx: 1 },
            Instr::MakeMap {
                dst: 2,
                start: 0,
                count: 1,
            },
        ];
        for _ in 0..calls {
            code.push(Instr::CallTool {
                dst: 3,
                tool: 0,
                args: 2,
            });
        }
        code.push(Instr::Return { src: 3 });
        let positions = (1..=code.len() as u32)
            .map(|l| lumen_vm::lir::Pos::new(l, 1))
            .collect();
        Rc::new(Module {
            version: LIR_VERSION,
            files: vec!["t.lm".into()],
            constants: vec![Constant::Str("text".into()), Constant::Str("quiet".into())],
            functions: vec![Function {
                name: "main".into(),
                file: 0,
                arity: 0,
                params: vec![],
                param_types: vec![],
                captures: 0,
                num_regs: 4,
                exported: true,
                code,
                positions,
            }],
            tools: vec![ToolDef {
                name: tool.into(),
                alias: "Shout".into(),
                grants,
                result: None,
            }],
            ..Module::default()
        })
    }

    fn registry() -> ProviderRegistry {
        let mut r = ProviderRegistry::new();
        r.register(crate::echo::EchoUpper);
        r.register(FnProvider::new(
            "fail.always",
            |_: &serde_json::Value, _: &crate::CallContext| {
                Err(ToolError::failed("the service is down"))
            },
        ));
        r
    }

    fn run(module: Rc<Module>, config: RunConfig) -> Result<Value, RuntimeError> {
        run_program(module, "main", vec![], &registry(), config)
    }

    #[test]
    fn tool_result_comes_back_as_a_value() {
        let v = run(
            calling_module("echo.upper", vec![], 1),
            RunConfig::default(),
        )
        .unwrap();
        assert_eq!(v.to_string(), "{\"text\": \"QUIET\"}");
    }

    #[test]
    fn max_calls_stops_the_program_at_the_call() {
        let grants = vec![("max_calls".to_string(), json!(2))];
        assert!(run(
            calling_module("echo.upper", grants.clone(), 2),
            RunConfig::default()
        )
        .is_ok());
        let e = run(
            calling_module("echo.upper", grants, 3),
            RunConfig::default(),
        )
        .unwrap_err();
        assert_eq!(e.code, codes::GRANT_DENIED);
        assert!(e.message.contains("max_calls"), "{}", e.message);
        assert!(e.message.contains("Shout"), "{}", e.message);
        assert_eq!(e.line, 6, "the third call's line");
        assert_eq!(e.file, "t.lm");
    }

    #[test]
    fn unknown_tool_lists_the_provided_ones() {
        let e = run(calling_module("nope.tool", vec![], 1), RunConfig::default()).unwrap_err();
        assert_eq!(e.code, codes::UNKNOWN_TOOL);
        assert!(e.message.contains("nope.tool"), "{}", e.message);
        assert!(
            e.message.contains("echo.upper, fail.always"),
            "{}",
            e.message
        );
    }

    #[test]
    fn provider_failure_carries_its_message() {
        let e = run(
            calling_module("fail.always", vec![], 1),
            RunConfig::default(),
        )
        .unwrap_err();
        assert_eq!(e.code, codes::TOOL_FAILED);
        assert!(e.message.contains("the service is down"), "{}", e.message);
    }

    #[test]
    fn denied_grant_never_reaches_the_provider() {
        let called = std::rc::Rc::new(std::cell::Cell::new(false));
        let seen = called.clone();
        let mut r = ProviderRegistry::new();
        r.register(FnProvider::new(
            "net.fetch",
            move |_: &serde_json::Value, _: &crate::CallContext| {
                seen.set(true);
                Ok(json!(null))
            },
        ));
        let grants = vec![("domain".to_string(), json!("example.com"))];
        let e = run_program(
            calling_module("net.fetch", grants, 1),
            "main",
            vec![],
            &r,
            RunConfig::default(),
        )
        .unwrap_err();
        assert_eq!(e.code, codes::GRANT_DENIED);
        assert!(!called.get());
    }

    #[test]
    fn out_of_fuel_is_an_error() {
        let module = Rc::new(Module {
            version: LIR_VERSION,
            files: vec!["spin.lm".into()],
            functions: vec![Function {
                name: "main".into(),
                file: 0,
                arity: 0,
                params: vec![],
                param_types: vec![],
                captures: 0,
                num_regs: 1,
                exported: true,
                code: vec![Instr::Jump { target: 0 }],
                positions: vec![lumen_vm::lir::Pos::new(1, 1)],
            }],
            ..Module::default()
        });
        let config = RunConfig {
            fuel: Some(10_000),
            ..RunConfig::default()
        };
        let e = run(module, config).unwrap_err();
        assert_eq!(e.code, codes::OUT_OF_FUEL);
        assert!(e.message.contains("10000"), "{}", e.message);
    }

    #[test]
    fn unknown_entry_cell_is_an_error() {
        let e = run_program(
            calling_module("echo.upper", vec![], 1),
            "nothere",
            vec![],
            &registry(),
            RunConfig::default(),
        )
        .unwrap_err();
        assert_eq!(e.code, codes::BAD_ENTRY);
    }
}
