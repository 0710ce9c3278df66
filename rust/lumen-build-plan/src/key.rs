//! [`RuntimeKey`]: what a built runtime depends on. Its [`material`](RuntimeKey::material)
//! is hashed into the key of the runtime cache, `<target dir>/lumen-runtime-cache/<key>/`:
//! a build whose key is there reuses that runtime without running cargo.

use crate::plan::Plan;

/// The inputs of a runtime build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeKey<'a> {
    /// The runtime's version (the workspace version).
    pub runtime_version: &'a str,
    /// The plan (target and options).
    pub plan: &'a Plan,
    /// `rustc --version`.
    pub rustc: &'a str,
    /// Every other tool that shapes the output, with its version (`None`: not used).
    pub tools: &'a [(&'a str, Option<&'a str>)],
    /// A digest of the sources: the workspace crates the runtime compiles,
    /// `Cargo.toml` and `Cargo.lock`.
    pub sources: &'a str,
}

impl RuntimeKey<'_> {
    /// The text to hash: one input per line, so that two keys are equal exactly when
    /// every input is.
    pub fn material(&self) -> String {
        let mut lines = vec![
            "lumen-runtime-cache 1".to_string(),
            format!("version={}", self.runtime_version),
        ];
        lines.extend(self.plan.settings());
        lines.push(format!("rustc={}", self.rustc));
        for (tool, version) in self.tools {
            lines.push(format!("{tool}={}", version.unwrap_or("-")));
        }
        lines.push(format!("sources={}", self.sources));
        lines.join("\n") + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Options, Profile, DEFAULT_OPTIONS};
    use crate::target::WasmTarget;

    #[test]
    fn the_key_changes_when_any_input_changes() {
        let web = Plan::for_target(WasmTarget::Js, &DEFAULT_OPTIONS).unwrap();
        let release = Plan::for_target(
            WasmTarget::Js,
            &Options {
                release: true,
                profile: Profile::Size,
                ..DEFAULT_OPTIONS
            },
        )
        .unwrap();
        let wasi = Plan::for_target(WasmTarget::Wasi, &DEFAULT_OPTIONS).unwrap();
        let tools = [
            ("wasm-pack", Some("0.15.1")),
            ("wasm-bindgen", Some("0.2.130")),
        ];
        let base = RuntimeKey {
            runtime_version: "0.1.0",
            plan: &web,
            rustc: "1.95.0",
            tools: &tools,
            sources: "abc",
        };
        assert_eq!(base.material(), base.clone().material());
        let newer_bindgen = [
            ("wasm-pack", Some("0.15.1")),
            ("wasm-bindgen", Some("0.2.131")),
        ];
        let no_pack = [("wasm-pack", None), ("wasm-bindgen", Some("0.2.130"))];
        let changed = [
            RuntimeKey {
                runtime_version: "0.2.0",
                ..base.clone()
            },
            RuntimeKey {
                plan: &release,
                ..base.clone()
            },
            RuntimeKey {
                plan: &wasi,
                ..base.clone()
            },
            RuntimeKey {
                rustc: "1.96.0",
                ..base.clone()
            },
            RuntimeKey {
                tools: &newer_bindgen,
                ..base.clone()
            },
            RuntimeKey {
                tools: &no_pack,
                ..base.clone()
            },
            RuntimeKey {
                sources: "abd",
                ..base.clone()
            },
        ];
        for k in &changed {
            assert_ne!(k.material(), base.material(), "{k:?}");
        }
    }
}
