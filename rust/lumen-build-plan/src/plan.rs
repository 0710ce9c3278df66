//! [`Plan`]: one typed plan per target — what to compile, with which tool, how to
//! post-process it and what to package. Every decision that depends on the target or the
//! options is made here, once.

use crate::target::{Host, WasmTarget};
use std::fmt;

/// What a release build optimises for (`--profile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// Smallest download: cargo `opt-level = "z"` (the VM at 3), binaryen `-Oz`.
    Size,
    /// Fastest code: cargo `opt-level = 3`, binaryen `-O3`.
    Speed,
}

impl Profile {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Size => "size",
            Profile::Speed => "speed",
        }
    }
}

#[cfg(feature = "clap")]
impl clap::ValueEnum for Profile {
    fn value_variants<'a>() -> &'a [Self] {
        &[Profile::Size, Profile::Speed]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let help = match self {
            Profile::Size => "Smallest download: cargo opt-level \"z\" (the VM at 3), binaryen -Oz",
            Profile::Speed => "Fastest code: cargo opt-level 3, binaryen -O3",
        };
        Some(clap::builder::PossibleValue::new(self.name()).help(help))
    }
}

/// The options of a build that change what is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Options {
    /// Optimised build (cargo profile `wasm-release` or `wasm-speed`, then binaryen).
    pub release: bool,
    /// What a release build optimises for.
    pub profile: Profile,
    /// Only the VM: runs binary LIR, no compiler.
    pub vm_only: bool,
    /// A build for debuggers (`--debug-info`): cargo compiles with full debug info,
    /// wasm-bindgen keeps the DWARF sections and the names section, binaryen does not run.
    pub debug_info: bool,
    /// Keep only the names section, the code otherwise unchanged (hidden `--keep-names`,
    /// for `cargo xtask wasm-size --why`: a release build's code with function names).
    pub keep_names: bool,
}

/// A debug build of the full runtime.
pub const DEFAULT_OPTIONS: Options = Options {
    release: false,
    profile: Profile::Size,
    vm_only: false,
    debug_info: false,
    keep_names: false,
};

/// Options that do not go together (a usage error, exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError(pub String);

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlanError {}

/// The program that compiles the crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `wasm-pack build <crate dir> --target T --out-name <out_name> --no-opt`.
    WasmPack {
        /// wasm-pack's `--target`.
        target: &'static str,
        /// `--out-name`: the JS glue is `<out_name>.js`, the module `<out_name>_bg.wasm`.
        out_name: &'static str,
        /// Also `wasm-bindgen --target nodejs` on the same cargo output, as
        /// `<out_name>.cjs` (the CommonJS glue of the one npm package; its `.wasm` must be
        /// byte for byte wasm-pack's).
        cjs_glue: bool,
    },
    /// `cargo build -p <crate> --bin <bin> --target <rust target>`; the module is
    /// `<target dir>/<rust target>/<profile dir>/<bin>.wasm`.
    Cargo {
        /// The binary.
        bin: &'static str,
    },
    /// `cargo build -p <crate> --lib --target <rust target>` of a `cdylib`; the module is
    /// `<target dir>/<rust target>/<profile dir>/<lib>.wasm`.
    CargoLib {
        /// The library's file stem (the crate name with underscores).
        lib: &'static str,
    },
}

/// What to compile, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compile {
    /// The workspace package (`lumen-wasm`, `lumen-cli`).
    pub krate: &'static str,
    /// The tool that compiles it.
    pub tool: Tool,
    /// The rustup target.
    pub rust_target: &'static str,
    /// Whether the crate's default features stay on.
    pub default_features: bool,
    /// Features to enable.
    pub features: &'static [&'static str],
    /// The cargo profile (`None`: the dev profile).
    pub cargo_profile: Option<&'static str>,
    /// Compile with full debug info (`--debug-info`: [`Compile::cargo_env`] sets the
    /// profile's `debug` to 2) and keep the DWARF sections through wasm-bindgen
    /// (`--keep-debug`).
    pub debug_info: bool,
}

impl Compile {
    /// The folder cargo writes the profile's output into (`debug`, `wasm-release`, ...).
    pub fn profile_dir(&self) -> &'static str {
        self.cargo_profile.unwrap_or("debug")
    }

    /// Whether wasm-pack (and so wasm-bindgen-cli) is needed.
    pub fn needs_wasm_pack(&self) -> bool {
        matches!(self.tool, Tool::WasmPack { .. })
    }

    /// The environment cargo (and wasm-pack's cargo) runs with: for a
    /// [`debug_info`](Compile::debug_info) build, `CARGO_PROFILE_<PROFILE>_DEBUG=2` (full
    /// debug info: lines, types and variables) for the profile compiled; else nothing, the
    /// profile as `Cargo.toml` says.
    pub fn cargo_env(&self) -> Vec<(String, &'static str)> {
        if !self.debug_info {
            return Vec::new();
        }
        let profile = self
            .cargo_profile
            .unwrap_or("dev")
            .to_ascii_uppercase()
            .replace('-', "_");
        vec![(format!("CARGO_PROFILE_{profile}_DEBUG"), "2")]
    }
}

/// Binaryen's pass over the compiled module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Optimize {
    /// `-Oz` or `-O3`.
    pub level: Profile,
    /// Keep the names section (`--keep-names`). DWARF is dropped all the same, so the code
    /// is the code of the build without names.
    pub keep_names: bool,
}

impl Optimize {
    /// The binaryen flag (`-Oz`, `-O3`).
    pub fn flag(self) -> &'static str {
        match self.level {
            Profile::Size => "-Oz",
            Profile::Speed => "-O3",
        }
    }
}

/// What goes next to the `.wasm` in the output directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Package {
    /// The one npm package for every JavaScript host: entries, loader, types,
    /// `package.json` and README around the glue (rust/lumen-cli/src/build/npm/).
    Npm,
    /// A README saying how to run the WASI module.
    WasiReadme {
        /// The component with `wasi:http` (`wasmtime run -S http`).
        http: bool,
    },
    /// Nothing: the runtime is a template a program is embedded into
    /// (`lumen-embed`), and the output is the one `<program>.wasm`.
    Embed,
    /// A program's npm package: the runtime's npm package (as [`Package::Npm`] assembles it)
    /// under `runtime/`, and the program's typed entries (`lumen-jsgen`), `package.json`
    /// and README at the root (rust/lumen-cli/src/build/program.rs).
    NpmProgram,
    /// A Cloudflare module worker: the program's npm package (as [`Package::NpmProgram`]
    /// stages it) under `app/`, and `worker.js`, `tools.js`, `wrangler.toml` and
    /// `config.capnp` at the root (rust/lumen-cli/src/build/worker.rs).
    Worker,
    /// A program's component: the runtime is the core module of
    /// lumen-component-runtime, and the output is `<program>.wasm` (the component) and
    /// `<program>.wit` (its world) (rust/lumen-cli/src/build/component.rs).
    Component,
    /// A program's `wasi:http/proxy` component: the runtime is the core module of
    /// lumen-http-runtime, the program is embedded into it and it is componentized with
    /// the WASI proxy adapter; the output is `<program>.wasm`
    /// (rust/lumen-cli/src/build/http.rs).
    Http,
}

/// Binaryen's step for `options`: release builds only, names kept with `--keep-names`. Not
/// for `--debug-info`: binaryen with `-g` runs its passes but copies the DWARF unchanged, so
/// it would describe the code before them; a debug-info build is cargo's code as LLVM left
/// it (docs/WASM_DEPLOYMENT.md, *Debugging*).
fn binaryen(options: &Options) -> Option<Optimize> {
    (options.release && !options.debug_info).then_some(Optimize {
        level: options.profile,
        keep_names: options.keep_names,
    })
}

/// Everything a build of one target does, decided up front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The target of the runtime that is built (and cached): [`WasmTarget::Js`] for a
    /// [`Package::Worker`], whose runtime is the JavaScript one.
    pub target: WasmTarget,
    /// The options it was planned with.
    pub options: Options,
    /// What to compile.
    pub compile: Compile,
    /// Binaryen (release builds; a component has its core modules optimised), or nothing.
    pub optimize: Option<Optimize>,
    /// What to package.
    pub package: Package,
    /// The main `.wasm` file, relative to the output directory.
    pub wasm_file: &'static str,
}

impl Plan {
    /// The plan of the runtime build for `target` with `options`, or a usage error.
    pub fn for_target(target: WasmTarget, options: &Options) -> Result<Plan, PlanError> {
        if matches!(target, WasmTarget::Worker | WasmTarget::Http) {
            return Err(PlanError(format!(
                "--wasm-target {target} builds a program: name the program \
                 (`lumen build --target wasm --wasm-target {target} app.lm.md`)"
            )));
        }
        let cargo_profile = match (options.release, options.profile) {
            (false, _) => None,
            (true, Profile::Size) => Some("wasm-release"),
            (true, Profile::Speed) => Some("wasm-speed"),
        };
        let binaryen = binaryen(options);
        let (compile, optimize, package, wasm_file) = match target.host() {
            Host::Js => (
                Compile {
                    krate: "lumen-wasm",
                    tool: Tool::WasmPack {
                        target: "web",
                        out_name: "lumen_wasm",
                        cjs_glue: true,
                    },
                    rust_target: "wasm32-unknown-unknown",
                    default_features: !options.vm_only,
                    features: &[],
                    cargo_profile,
                    debug_info: options.debug_info,
                },
                binaryen,
                Package::Npm,
                "lumen_wasm_bg.wasm",
            ),
            Host::ProgramComponent | Host::HttpProxy => {
                return Err(PlanError(
                    "--wasm-target component builds a program as a component: name the program \
                     (lumen build --target wasm --wasm-target component app.lm.md)"
                        .to_string(),
                ))
            }
            Host::WasiCommand | Host::WasiComponent if options.vm_only => {
                return Err(PlanError(
                    "--vm-only is for the JavaScript packages; the WASI build is the whole `lumen` command"
                        .to_string(),
                ))
            }
            Host::WasiCommand => (
                Compile {
                    krate: "lumen-cli",
                    tool: Tool::Cargo { bin: "lumen" },
                    rust_target: "wasm32-wasip1",
                    default_features: false,
                    features: &["wasi-tools"],
                    cargo_profile,
                    debug_info: options.debug_info,
                },
                binaryen,
                Package::WasiReadme { http: false },
                "lumen.wasm",
            ),
            // Binaryen reads core modules: `lumen build` optimises the component's core
            // modules one at a time (rust/lumen-cli/src/build/optimize.rs).
            Host::WasiComponent => (
                Compile {
                    krate: "lumen-cli",
                    tool: Tool::Cargo { bin: "lumen" },
                    rust_target: "wasm32-wasip2",
                    default_features: false,
                    features: &["wasi-http"],
                    cargo_profile,
                    debug_info: options.debug_info,
                },
                binaryen,
                Package::WasiReadme { http: true },
                "lumen.wasm",
            ),
        };
        Ok(Plan {
            target,
            options: *options,
            compile,
            optimize,
            package,
            wasm_file,
        })
    }

    /// The plan of a program build (`lumen build --target wasm --wasm-target T app.lm.md`):
    /// the VM-only runtime of `target`, built like any runtime (and cached), then
    /// [`Package::NpmProgram`] (`js`), [`Package::Worker`] (`worker`: the `js` program plan
    /// with another package) or [`Package::Embed`] into the VM-only template
    /// `lumen-wasi-app` (`wasi`). A usage error for a target whose program packages do not
    /// exist yet, and for `--debug-info` where embedding the program rewrites the runtime
    /// (`wasi`, `component`, `http`: its DWARF would be stale).
    pub fn for_program(target: WasmTarget, options: &Options) -> Result<Plan, PlanError> {
        // A worker is the program's npm package and a few files around it: the same
        // runtime (and cache entry) as a `js` program.
        if target == WasmTarget::Worker {
            return Ok(Plan {
                package: Package::Worker,
                ..Plan::for_program(WasmTarget::Js, options)?
            });
        }
        // Embedding the program (lumen-embed, lumen-componentize) renumbers functions and
        // moves code: the DWARF and names of the runtime would be stale, so they drop them.
        let rewritten = matches!(
            target.host(),
            Host::WasiCommand | Host::ProgramComponent | Host::HttpProxy
        );
        if options.debug_info && rewritten {
            return Err(PlanError(format!(
                "--debug-info is not available for a --wasm-target {target} program: embedding \
                 the program rewrites the runtime's code, and its DWARF would be stale; debug \
                 the runtime instead (`lumen build --target wasm --wasm-target wasi --debug-info`, \
                 then `wasmtime run -D debug-info --dir . lumen.wasm run app.lm.md`)"
            )));
        }
        if target.host() == Host::ProgramComponent {
            return Ok(Plan::component(options));
        }
        if target.host() == Host::HttpProxy {
            return Ok(Plan::http(options));
        }
        let runtime = Plan::for_target(
            target,
            &Options {
                vm_only: false,
                ..*options
            },
        )?;
        match target.host() {
            // The program needs no compiler at run time: the VM-only runtime package, the
            // same plan (and so the same cache entry) as `--wasm-target js --vm-only`.
            Host::Js => {
                let vm = Plan::for_target(
                    target,
                    &Options {
                        vm_only: true,
                        ..*options
                    },
                )?;
                Ok(Plan {
                    package: Package::NpmProgram,
                    ..vm
                })
            }
            // The program needs no compiler at run time: the VM-only WASI runtime.
            Host::WasiCommand => Ok(Plan {
                target,
                options: Options {
                    vm_only: true,
                    ..*options
                },
                compile: Compile {
                    krate: "lumen-wasi-app",
                    tool: Tool::Cargo {
                        bin: "lumen-wasi-app",
                    },
                    default_features: true,
                    features: &[],
                    ..runtime.compile
                },
                optimize: runtime.optimize,
                package: Package::Embed,
                wasm_file: "lumen-wasi-app.wasm",
            }),
            Host::WasiComponent | Host::ProgramComponent | Host::HttpProxy => {
                Err(PlanError(format!(
                    "a program cannot be built for --wasm-target {target} yet: only {} (build \
                 the runtime package without a program argument)",
                    WasmTarget::list(&WasmTarget::program_targets())
                )))
            }
        }
    }

    /// The plan of a program component (`--wasm-target component app.lm.md`): the VM-only
    /// component runtime, a `wasm32-wasip1` cdylib built once and cached (binaryen for
    /// release builds: it is a core module), then [`Package::Component`].
    fn component(options: &Options) -> Plan {
        let cargo_profile = match (options.release, options.profile) {
            (false, _) => None,
            (true, Profile::Size) => Some("wasm-release"),
            (true, Profile::Speed) => Some("wasm-speed"),
        };
        Plan {
            target: WasmTarget::Component,
            options: Options {
                vm_only: true,
                ..*options
            },
            compile: Compile {
                krate: "lumen-component-runtime",
                tool: Tool::CargoLib {
                    lib: "lumen_component_runtime",
                },
                rust_target: "wasm32-wasip1",
                default_features: true,
                features: &[],
                cargo_profile,
                debug_info: options.debug_info,
            },
            optimize: binaryen(options),
            package: Package::Component,
            wasm_file: "lumen_component_runtime.wasm",
        }
    }

    /// The plan of a program's `wasi:http/proxy` component (`--wasm-target http app.lm.md`):
    /// the VM-only HTTP runtime, a `wasm32-wasip1` cdylib built once and cached (binaryen
    /// for release builds: it is a core module), then [`Package::Http`].
    fn http(options: &Options) -> Plan {
        Plan {
            target: WasmTarget::Http,
            compile: Compile {
                krate: "lumen-http-runtime",
                tool: Tool::CargoLib {
                    lib: "lumen_http_runtime",
                },
                ..Plan::component(options).compile
            },
            package: Package::Http,
            wasm_file: "lumen_http_runtime.wasm",
            ..Plan::component(options)
        }
    }

    /// How many steps the build reports: workspace, toolchain, fingerprint, compile (or
    /// cache), [binaryen], package — or, for a program, compiling the program first and
    /// embedding it last instead of packaging.
    pub fn steps(&self) -> usize {
        let base = if self.optimize.is_some() { 6 } else { 5 };
        match self.package {
            Package::Embed
            | Package::NpmProgram
            | Package::Worker
            | Package::Component
            | Package::Http => base + 1,
            Package::Npm | Package::WasiReadme { .. } => base,
        }
    }

    /// The file a program build writes into the output directory: the program's name
    /// without `.lm.md`, `.lm` or `.lmb`, plus `.wasm` (`app.lm.md` → `app.wasm`).
    pub fn app_file_name(program: &std::path::Path) -> String {
        let name = program
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = [".lm.md", ".lm", ".lmb", ".md"]
            .iter()
            .find_map(|ext| name.strip_suffix(ext))
            .unwrap_or(&name);
        let stem = if stem.is_empty() { "app" } else { stem };
        format!("{stem}.wasm")
    }

    /// The settings lines of the plan for fingerprints and cache keys: everything that
    /// changes the output.
    pub fn settings(&self) -> Vec<String> {
        let o = &self.options;
        vec![
            format!(
                "lumen-build 4 target={} crate={}",
                self.target, self.compile.krate
            ),
            format!(
                "release={} profile={} debug_info={} keep_names={} vm_only={}",
                o.release,
                o.profile.name(),
                o.debug_info,
                o.keep_names,
                o.vm_only
            ),
        ]
    }
}

#[cfg(test)]
mod tests;
