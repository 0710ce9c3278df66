//! The hosts a WebAssembly build is for. Each target's name, help text and kind of host are
//! in [`TARGETS`], the one table: adding a target is a variant plus a row there.

use std::fmt;
use std::str::FromStr;

/// The host a `lumen build --target wasm` output is for (`--wasm-target`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WasmTarget {
    /// Browsers without a bundler (ES module with `init()`).
    Web,
    /// Node.js (CommonJS).
    Nodejs,
    /// Bundlers (ES module importing the `.wasm`).
    Bundler,
    /// A WASI command module (`wasm32-wasip1`) for Wasmtime and `node:wasi`.
    Wasi,
    /// A WASI component (`wasm32-wasip2`) whose HTTP tools use `wasi:http`.
    WasiHttp,
}

/// What kind of host a target is: it decides the compile tool, post-processing and package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// A JavaScript host: an npm package built by wasm-pack with this `--target`.
    Js {
        /// wasm-pack's `--target` (`web`, `nodejs`, `bundler`).
        wasm_pack_target: &'static str,
    },
    /// A WASI command module (`wasm32-wasip1`).
    WasiCommand,
    /// A WASI component (`wasm32-wasip2`) with HTTP through `wasi:http`.
    WasiComponent,
}

/// One row of [`TARGETS`].
struct Row {
    target: WasmTarget,
    name: &'static str,
    help: &'static str,
    host: Host,
}

/// Every target, in the order `--help` lists them.
const TARGETS: &[Row] = &[
    Row {
        target: WasmTarget::Web,
        name: "web",
        help: "Browsers without a bundler (ES module with `init()`)",
        host: Host::Js {
            wasm_pack_target: "web",
        },
    },
    Row {
        target: WasmTarget::Nodejs,
        name: "nodejs",
        help: "Node.js (CommonJS)",
        host: Host::Js {
            wasm_pack_target: "nodejs",
        },
    },
    Row {
        target: WasmTarget::Bundler,
        name: "bundler",
        help: "Bundlers (ES module importing the `.wasm`)",
        host: Host::Js {
            wasm_pack_target: "bundler",
        },
    },
    Row {
        target: WasmTarget::Wasi,
        name: "wasi",
        help: "A WASI command module (wasm32-wasip1) for Wasmtime and node:wasi",
        host: Host::WasiCommand,
    },
    Row {
        target: WasmTarget::WasiHttp,
        name: "wasi-http",
        help:
            "A WASI component (wasm32-wasip2) whose HTTP tools use wasi:http (wasmtime run -S http)",
        host: Host::WasiComponent,
    },
];

/// Every variant, in table order (for `clap::ValueEnum`).
const ALL: [WasmTarget; 5] = [
    WasmTarget::Web,
    WasmTarget::Nodejs,
    WasmTarget::Bundler,
    WasmTarget::Wasi,
    WasmTarget::WasiHttp,
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

    /// The command-line name (`web`, `wasi-http`, ...).
    pub fn name(self) -> &'static str {
        self.row().name
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
        !matches!(self.host(), Host::Js { .. })
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
            .find(|r| r.name == s)
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
        Some(clap::builder::PossibleValue::new(self.name()).help(self.help()))
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
        assert_eq!(names, ["web", "nodejs", "bundler", "wasi", "wasi-http"]);
    }

    #[test]
    fn unknown_names_list_the_targets() {
        let e = "deno".parse::<WasmTarget>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown wasm target `deno` (targets: web, nodejs, bundler, wasi, wasi-http)"
        );
    }

    #[test]
    fn wasi_targets_are_the_non_js_ones() {
        assert!(!WasmTarget::Web.is_wasi());
        assert!(!WasmTarget::Bundler.is_wasi());
        assert!(WasmTarget::Wasi.is_wasi());
        assert!(WasmTarget::WasiHttp.is_wasi());
    }
}
