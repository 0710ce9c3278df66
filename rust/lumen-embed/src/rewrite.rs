//! The module rewrite: checking the runtime ([`Plan::of`]) and re-encoding it with the
//! program inside ([`Plan::rewrite`]).

use crate::{EmbedError, IMPORT_COPY, IMPORT_LEN, IMPORT_MODULE};
use std::convert::Infallible;
use wasm_encoder::reencode::{self, Reencode};
use wasmparser::{Parser, Payload, TypeRef, ValType};

/// What the rewrite needs to know about a checked runtime module.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Number of imported functions (the two program imports included).
    func_imports: u32,
    /// Number of functions the module defines.
    defined: u32,
    /// Function index of the `len` import, and its type index.
    len: (u32, u32),
    /// Function index of the `copy` import, and its type index.
    copy: (u32, u32),
    /// Number of data segments.
    data_segments: u32,
}

/// The function index and type index of a function import, if `ty` is one.
fn func_type(ty: TypeRef) -> Option<u32> {
    match ty {
        TypeRef::Func(t) | TypeRef::FuncExact(t) => Some(t),
        _ => None,
    }
}

/// A `corrupt runtime module` error from wasmparser's message, on one line (some span
/// several: "expected=[\n    0x0,\n ...").
fn corrupt(e: wasmparser::BinaryReaderError) -> EmbedError {
    EmbedError::CorruptRuntime(one_line(&e.to_string()))
}

/// `text` with every run of whitespace (newlines included) made one space.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn not_runtime(m: impl Into<String>) -> EmbedError {
    EmbedError::NotARuntime(m.into())
}

impl Plan {
    /// Validates `runtime` and finds the program imports in it.
    pub(crate) fn of(runtime: &[u8]) -> Result<Plan, EmbedError> {
        let types = wasmparser::Validator::new()
            .validate_all(runtime)
            .map_err(corrupt)?;
        if Parser::is_component(runtime) {
            return Err(not_runtime(
                "it is a WebAssembly component; the runtime is a core module",
            ));
        }
        let mut func_imports = 0u32;
        let mut len = None;
        let mut copy = None;
        let mut data_segments = 0u32;
        for payload in Parser::new(0).parse_all(runtime) {
            let payload = payload.map_err(corrupt)?;
            match payload {
                Payload::ImportSection(section) => {
                    for import in section.into_imports() {
                        let import = import.map_err(corrupt)?;
                        let Some(ty) = func_type(import.ty) else {
                            if import.module == IMPORT_MODULE {
                                return Err(not_runtime(format!(
                                    "it imports `{IMPORT_MODULE}` `{}`, which is not a function",
                                    import.name
                                )));
                            }
                            continue;
                        };
                        let index = func_imports;
                        func_imports += 1;
                        if import.module != IMPORT_MODULE {
                            continue;
                        }
                        let slot = match import.name {
                            IMPORT_LEN => &mut len,
                            IMPORT_COPY => &mut copy,
                            other => {
                                return Err(not_runtime(format!(
                                    "it imports an unknown program function `{IMPORT_MODULE}` `{other}`"
                                )))
                            }
                        };
                        if slot.replace((index, ty)).is_some() {
                            return Err(not_runtime(format!(
                                "it imports `{IMPORT_MODULE}` `{}` twice",
                                import.name
                            )));
                        }
                    }
                }
                Payload::DataSection(section) => data_segments = section.count(),
                _ => {}
            }
        }
        let missing = |name: &str| {
            not_runtime(format!(
                "it does not import `{IMPORT_MODULE}` `{name}` (a program may already be \
                 embedded in it, or it is not built from lumen-wasi-app)"
            ))
        };
        let len = len.ok_or_else(|| missing(IMPORT_LEN))?;
        let copy = copy.ok_or_else(|| missing(IMPORT_COPY))?;
        let types = types.as_ref();
        let signature = |index: u32| {
            let f = types[types.core_function_at(index)].unwrap_func();
            (f.params().to_vec(), f.results().to_vec())
        };
        if signature(len.0) != (vec![], vec![ValType::I32]) {
            return Err(not_runtime(format!(
                "`{IMPORT_MODULE}` `{IMPORT_LEN}` must have type () -> i32"
            )));
        }
        if signature(copy.0) != (vec![ValType::I32], vec![]) {
            return Err(not_runtime(format!(
                "`{IMPORT_MODULE}` `{IMPORT_COPY}` must have type (i32) -> ()"
            )));
        }
        if types.memory_count() == 0 || types.memory_at(0).memory64 {
            return Err(not_runtime("it has no 32-bit memory 0"));
        }
        let defined = types.function_count().saturating_sub(func_imports);
        if defined == 0 {
            return Err(not_runtime("it defines no functions"));
        }
        Ok(Plan {
            func_imports,
            defined,
            len,
            copy,
            data_segments,
        })
    }

    /// The new index of function `old`: the two imports become the last two functions,
    /// the other indices close up around them.
    fn function_index(&self, old: u32) -> u32 {
        let first_new = self.func_imports - 2 + self.defined;
        if old == self.len.0 {
            first_new
        } else if old == self.copy.0 {
            first_new + 1
        } else if old < self.func_imports {
            old - u32::from(self.len.0 < old) - u32::from(self.copy.0 < old)
        } else {
            old - 2
        }
    }

    /// Re-encodes `runtime` (checked by [`Plan::of`]) with `lir` embedded.
    pub(crate) fn rewrite(&self, runtime: &[u8], lir: &[u8]) -> Result<Vec<u8>, EmbedError> {
        let size = i32::try_from(lir.len())
            .map_err(|_| EmbedError::CorruptProgram("the program is larger than 2 GiB".into()))?;
        let mut embedder = Embedder {
            plan: self,
            lir,
            size,
            data_count_done: false,
            data_done: false,
        };
        let mut module = wasm_encoder::Module::new();
        embedder
            .parse_core_module(&mut module, Parser::new(0), runtime)
            .map_err(|e| EmbedError::Internal(one_line(&format!("{e:?}"))))?;
        Ok(module.finish())
    }
}

/// The reencoder: renumbers functions, drops the two imports and adds their definitions
/// and the program's data segment.
struct Embedder<'a> {
    plan: &'a Plan,
    lir: &'a [u8],
    size: i32,
    data_count_done: bool,
    data_done: bool,
}

impl Embedder<'_> {
    /// The index of the program's passive data segment (after every existing one).
    fn program_segment(&self) -> u32 {
        self.plan.data_segments
    }

    fn data_section(&self, data: &mut wasm_encoder::DataSection) {
        data.passive(self.lir.iter().copied());
    }
}

type Error = reencode::Error<Infallible>;

impl Reencode for Embedder<'_> {
    type Error = Infallible;

    fn function_index(&mut self, func: u32) -> Result<u32, Error> {
        Ok(self.plan.function_index(func))
    }

    fn parse_import_section(
        &mut self,
        imports: &mut wasm_encoder::ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), Error> {
        for import in section.into_imports() {
            let import = import?;
            if import.module == IMPORT_MODULE {
                continue;
            }
            let ty = self.entity_type(import.ty)?;
            imports.import(import.module, import.name, ty);
        }
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut wasm_encoder::FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), Error> {
        reencode::utils::parse_function_section(self, functions, section)?;
        functions.function(self.type_index(self.plan.len.1)?);
        functions.function(self.type_index(self.plan.copy.1)?);
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), Error> {
        use wasm_encoder::{Function, Instruction};
        reencode::utils::parse_code_section(self, code, section)?;
        let mut len = Function::new([]);
        len.instruction(&Instruction::I32Const(self.size));
        len.instruction(&Instruction::End);
        code.function(&len);
        let mut copy = Function::new([]);
        copy.instruction(&Instruction::LocalGet(0));
        copy.instruction(&Instruction::I32Const(0));
        copy.instruction(&Instruction::I32Const(self.size));
        copy.instruction(&Instruction::MemoryInit {
            mem: 0,
            data_index: self.program_segment(),
        });
        copy.instruction(&Instruction::End);
        code.function(&copy);
        Ok(())
    }

    fn parse_data_section(
        &mut self,
        data: &mut wasm_encoder::DataSection,
        section: wasmparser::DataSectionReader<'_>,
    ) -> Result<(), Error> {
        reencode::utils::parse_data_section(self, data, section)?;
        self.data_section(data);
        self.data_done = true;
        Ok(())
    }

    fn data_count(&mut self, count: u32) -> Result<u32, Error> {
        self.data_count_done = true;
        Ok(count + 1)
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        _after: Option<wasm_encoder::SectionId>,
        before: Option<wasm_encoder::SectionId>,
    ) -> Result<(), Error> {
        use wasm_encoder::SectionId;
        if !self.data_count_done
            && matches!(before, None | Some(SectionId::Code) | Some(SectionId::Data))
        {
            module.section(&wasm_encoder::DataCountSection {
                count: self.plan.data_segments + 1,
            });
            self.data_count_done = true;
        }
        if !self.data_done && before.is_none() {
            let mut data = wasm_encoder::DataSection::new();
            self.data_section(&mut data);
            module.section(&data);
            self.data_done = true;
        }
        Ok(())
    }

    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), Error> {
        // Function names and DWARF refer to the old indices and code offsets.
        let name = section.name();
        if name == "name" || name.starts_with(".debug") {
            return Ok(());
        }
        reencode::utils::parse_custom_section(self, module, section)
    }
}
