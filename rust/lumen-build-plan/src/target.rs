//! The hosts a WebAssembly build is for. Each target's name, help text and kind of host are
//! in [`TARGETS`], the one table: adding a target is a variant plus a row there.

use std::fmt;
use std::str::FromStr;

/// The host a `lumen build --target wasm` output is for (`--wasm-target`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WasmTarget {
    /// One npm package for every JavaScript host: Node.js (`import` and `require`),
    /// browsers, bundlers, Web Workers, Deno and workerd. `web`, `nodejs` and `bundler` are
    /// deprecated aliases.
    Js,
    /// A WASI command module (`wasm32-wasip1`) for Wasmtime and `node:wasi`.
    Wasi,
    /// A WASI component (`wasm32-wasip2`) whose HTTP tools use `wasi:http`.
    WasiHttp,
    /// A Cloudflare module worker answering HTTP with a program's `handle` cell (programs
    /// only): the program's npm package plus `worker.js`, `wrangler.toml` and a workerd
    /// `config.capnp`. Its runtime is the JavaScript one.
    Worker,
    /// A program as a WebAssembly component with its own WIT world (`app.wasm` and
    /// `app.wit`): typed exports for its cells, imports for its tools.
    Component,
    /// A `wasi:http/proxy` component answering HTTP with a program's `handle` cell
    /// (programs only): `wasmtime serve`, Spin, Fastly Compute, wasmCloud.
    Http,
}

/// What kind of host a target is: it decides the compile tool, post-processing and package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// A JavaScript host: the one npm package (wasm-pack's `web` glue plus wasm-bindgen's
    /// `nodejs` glue for the same `.wasm`, and our entries; rust/lumen-cli/src/build/npm/).
    Js,
    /// A WASI command module (`wasm32-wasip1`).
    WasiCommand,
    /// A WASI component (`wasm32-wasip2`) with HTTP through `wasi:http`.
    WasiComponent,
    /// A program's component: the prebuilt component runtime with the program, its glue
    /// and its WIT world (lumen-componentize).
    ProgramComponent,
    /// A program's `wasi:http/proxy` component: the prebuilt HTTP runtime with the program
    /// embedded, componentized with the WASI proxy adapter.
    HttpProxy,
}

/// One row of [`TARGETS`].
struct Row {
    target: WasmTarget,
    name: &'static str,
    /// Older names that mean the same target (accepted, reported as deprecated).
    aliases: &'static [&'static str],
    help: &'static str,
    host: Host,
    /// Whether `lumen build` can build a program (`app.lm.md`) for this target.
    programs: bool,
}

/// Every target, in the order `--help` lists them.
const TARGETS: &[Row] = &[
    Row {
        target: WasmTarget::Js,
        name: "js",
        aliases: &["web", "nodejs", "bundler"],
        help: "One npm package for every JavaScript host: Node.js, browsers, bundlers, workers, Deno, workerd (web, nodejs, bundler: deprecated aliases)",
        host: Host::Js,
        programs: true,
    },
    Row {
        target: WasmTarget::Wasi,
        name: "wasi",
        aliases: &[],
        help: "A WASI command module (wasm32-wasip1) for Wasmtime and node:wasi",
        host: Host::WasiCommand,
        programs: true,
    },
    Row {
        target: WasmTarget::WasiHttp,
        name: "wasi-http",
        aliases: &[],
        help:
            "A WASI component (wasm32-wasip2) whose HTTP tools use wasi:http (wasmtime run -S http)",
        host: Host::WasiComponent,
        programs: false,
    },
    Row {
        target: WasmTarget::Worker,
        name: "worker",
        aliases: &[],
        help: "A Cloudflare module worker for a program with `pub cell handle(req: Request) -> Response` (wrangler, workerd)",
        host: Host::Js,
        programs: true,
    },
    Row {
        target: WasmTarget::Component,
        name: "component",
        aliases: &[],
        help: "A program as a WebAssembly component with its WIT world (app.wasm + app.wit): typed exports, tools as imports",
        host: Host::ProgramComponent,
        programs: true,
    },
    Row {
        target: WasmTarget::Http,
        name: "http",
        aliases: &[],
        help: "A wasi:http/proxy component for a program with `pub cell handle(req: Request) -> Response` (wasmtime serve, Spin, Fastly Compute, wasmCloud)",
        host: Host::HttpProxy,
        programs: true,
    },
];

/// Every variant, in table order (for `clap::ValueEnum`).
const ALL: [WasmTarget; 6] = [
    WasmTarget::Js,
    WasmTarget::Wasi,
    WasmTarget::WasiHttp,
    WasmTarget::Worker,
    WasmTarget::Component,
    WasmTarget::Http,
];

impl WasmTarget {
    /// Every target.
    pub fn all() -> &'static [WasmTarget] {
        &ALL
    }

    fn row(self) -> &'static Row {
        // Every variant has a row (the unit test checks it); the first row is a fallback
        // that cannot be reached.
        TARGETS
            .iter()
            .find(|r| r.target == self)
            .unwrap_or(&TARGETS[0])
    }

    /// The command-line name (`js`, `wasi`, `wasi-http`, `component`).
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// The deprecated names that parse to this target (`web`, `nodejs`, `bundler` for
    /// [`WasmTarget::Js`]).
    pub fn aliases(self) -> &'static [&'static str] {
        self.row().aliases
    }

    /// The target `name` is a deprecated alias of, if it is one.
    pub fn deprecated_alias(name: &str) -> Option<WasmTarget> {
        TARGETS
            .iter()
            .find(|r| r.aliases.contains(&name))
            .map(|r| r.target)
    }

    /// One line for `--help`.
    pub fn help(self) -> &'static str {
        self.row().help
    }

    /// The kind of host.
    pub fn host(self) -> Host {
        self.row().host
    }

    /// Whether the output is a WASI module or component (no JavaScript).
    pub fn is_wasi(self) -> bool {
        !matches!(self.host(), Host::Js)
    }

    /// Whether `lumen build` can build a program for this target.
    pub fn builds_programs(self) -> bool {
        self.row().programs
    }

    /// The targets a program can be built for, in table order.
    pub fn program_targets() -> Vec<WasmTarget> {
        TARGETS
            .iter()
            .filter(|r| r.programs)
            .map(|r| r.target)
            .collect()
    }

    /// `names` as `` `a`, `b` and `c` `` (for messages listing targets).
    pub fn list(names: &[WasmTarget]) -> String {
        let quoted: Vec<String> = names.iter().map(|t| format!("`{t}`")).collect();
        match quoted.split_last() {
            None => String::new(),
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        }
    }

    /// Whether the target builds only programs ([`WasmTarget::Worker`],
    /// [`WasmTarget::Component`], [`WasmTarget::Http`]): it has no runtime package of its
    /// own (`lumen build` without a program is a usage error).
    pub fn is_program_only(self) -> bool {
        matches!(
            self,
            WasmTarget::Worker | WasmTarget::Component | WasmTarget::Http
        )
    }
}

impl fmt::Display for WasmTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no [`WasmTarget`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTarget(pub String);

impl fmt::Display for UnknownTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = TARGETS.iter().map(|r| r.name).collect();
        write!(
            f,
            "unknown wasm target `{}` (targets: {})",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownTarget {}

impl FromStr for WasmTarget {
    type Err = UnknownTarget;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TARGETS
            .iter()
            .find(|r| r.name == s || r.aliases.contains(&s))
            .map(|r| r.target)
            .ok_or_else(|| UnknownTarget(s.to_string()))
    }
}

impl serde::Serialize for WasmTarget {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for WasmTarget {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "clap")]
impl clap::ValueEnum for WasmTarget {
    fn value_variants<'a>() -> &'a [Self] {
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(
            clap::builder::PossibleValue::new(self.name())
                .aliases(self.aliases().iter().copied())
                .help(self.help()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_has_one_row_and_its_name_parses_back() {
        assert_eq!(TARGETS.len(), ALL.len());
        for t in WasmTarget::all() {
            assert_eq!(TARGETS.iter().filter(|r| r.target == *t).count(), 1);
            assert_eq!(t.name().parse::<WasmTarget>(), Ok(*t));
            assert_eq!(t.to_string(), t.name());
        }
        let names: Vec<&str> = ALL.iter().map(|t| t.name()).collect();
        assert_eq!(
            names,
            ["js", "wasi", "wasi-http", "worker", "component", "http"]
        );
    }

    #[test]
    fn issue11_newuser_item4_the_program_targets_come_from_the_table() {
        assert_eq!(
            WasmTarget::list(&WasmTarget::program_targets()),
            "`js`, `wasi`, `worker`, `component` and `http`"
        );
        assert!(!WasmTarget::WasiHttp.builds_programs());
        for t in WasmTarget::all() {
            assert!(!t.is_program_only() || t.builds_programs(), "{t}");
        }
    }

    #[test]
    fn issue11_newuser_item4_the_readmes_list_every_target() {
        let names: Vec<&str> = ALL.iter().map(|t| t.name()).collect();
        let want = format!("--wasm-target {}]", names.join("|"));
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        for file in ["README.md", "rust/lumen-cli/README.md", "CLAUDE.md"] {
            let text = std::fs::read_to_string(format!("{root}/{file}")).unwrap_or_default();
            assert!(text.contains(&want), "{file} must say `{want}`");
        }
    }

    #[test]
    fn issue11_item2_web_nodejs_and_bundler_are_aliases_of_js() {
        for old in ["web", "nodejs", "bundler"] {
            assert_eq!(old.parse::<WasmTarget>(), Ok(WasmTarget::Js));
            assert_eq!(WasmTarget::deprecated_alias(old), Some(WasmTarget::Js));
        }
        assert_eq!(WasmTarget::deprecated_alias("js"), None);
        assert_eq!(WasmTarget::deprecated_alias("wasi"), None);
        assert_eq!(WasmTarget::Js.to_string(), "js");
    }

    #[test]
    fn unknown_names_list_the_targets() {
        let e = "deno".parse::<WasmTarget>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown wasm target `deno` (targets: js, wasi, wasi-http, worker, component, http)"
        );
    }

    #[test]
    fn wasi_targets_are_the_non_js_ones() {
        assert!(!WasmTarget::Js.is_wasi());
        assert!(WasmTarget::Wasi.is_wasi());
        assert!(WasmTarget::WasiHttp.is_wasi());
        assert!(!WasmTarget::Worker.is_wasi());
        let program_only: Vec<_> = ALL.iter().filter(|t| t.is_program_only()).collect();
        assert_eq!(
            program_only,
            [
                &WasmTarget::Worker,
                &WasmTarget::Component,
                &WasmTarget::Http
            ]
        );
        assert!(WasmTarget::Http.is_wasi());
        assert!(WasmTarget::Component.is_wasi());
        assert_eq!("component".parse(), Ok(WasmTarget::Component));
    }
}
