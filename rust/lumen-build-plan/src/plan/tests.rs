//! The plans of every target and option.

use super::*;

fn opts(release: bool, profile: Profile, vm_only: bool) -> Options {
    Options {
        release,
        profile,
        vm_only,
        debug_info: false,
        keep_names: false,
    }
}

#[test]
fn issue11_item2_the_js_target_is_one_npm_package_with_both_glues() {
    let p = Plan::for_target(WasmTarget::Js, &DEFAULT_OPTIONS).unwrap();
    assert_eq!(p.compile.krate, "lumen-wasm");
    assert_eq!(
        p.compile.tool,
        Tool::WasmPack {
            target: "web",
            out_name: "lumen_wasm",
            cjs_glue: true,
        }
    );
    assert!(p.compile.needs_wasm_pack());
    assert_eq!(p.compile.rust_target, "wasm32-unknown-unknown");
    assert!(p.compile.default_features);
    assert_eq!(p.compile.cargo_profile, None);
    assert_eq!(p.compile.profile_dir(), "debug");
    assert_eq!(p.optimize, None);
    assert_eq!(p.package, Package::Npm);
    assert_eq!(p.wasm_file, "lumen_wasm_bg.wasm");
    assert_eq!(p.steps(), 5);
}

#[test]
fn release_and_vm_only_js_plans() {
    let p = Plan::for_target(WasmTarget::Js, &opts(true, Profile::Size, true)).unwrap();
    assert!(!p.compile.default_features, "vm-only drops the compiler");
    assert_eq!(p.compile.cargo_profile, Some("wasm-release"));
    assert_eq!(p.optimize.map(Optimize::flag), Some("-Oz"));
    assert_eq!(p.steps(), 6);
    let p = Plan::for_target(WasmTarget::Js, &opts(true, Profile::Speed, false)).unwrap();
    assert_eq!(p.compile.cargo_profile, Some("wasm-speed"));
    assert_eq!(p.compile.profile_dir(), "wasm-speed");
    assert_eq!(p.optimize.map(Optimize::flag), Some("-O3"));
    let mut o = opts(true, Profile::Size, false);
    o.keep_names = true;
    let p = Plan::for_target(WasmTarget::Js, &o).unwrap();
    assert_eq!(p.optimize.map(|b| b.keep_names), Some(true));
}

#[test]
fn wasi_plans_build_the_lumen_command_with_cargo() {
    let p = Plan::for_target(WasmTarget::Wasi, &opts(true, Profile::Size, false)).unwrap();
    assert_eq!(p.compile.krate, "lumen-cli");
    assert_eq!(p.compile.tool, Tool::Cargo { bin: "lumen" });
    assert!(!p.compile.needs_wasm_pack());
    assert_eq!(p.compile.rust_target, "wasm32-wasip1");
    assert!(!p.compile.default_features);
    assert_eq!(p.compile.features, ["wasi-tools"]);
    assert_eq!(p.optimize.map(Optimize::flag), Some("-Oz"));
    assert_eq!(p.package, Package::WasiReadme { http: false });
    assert_eq!(p.wasm_file, "lumen.wasm");

    let p = Plan::for_target(WasmTarget::WasiHttp, &opts(true, Profile::Size, false)).unwrap();
    assert_eq!(p.compile.rust_target, "wasm32-wasip2");
    assert_eq!(p.compile.features, ["wasi-http"]);
    assert_eq!(
        p.optimize.map(Optimize::flag),
        Some("-Oz"),
        "the component's core modules"
    );
    assert_eq!(p.steps(), 6);
    assert_eq!(p.package, Package::WasiReadme { http: true });
    assert_eq!(p.wasm_file, "lumen.wasm");
}

#[test]
fn vm_only_with_wasi_is_a_usage_error() {
    for t in [WasmTarget::Wasi, WasmTarget::WasiHttp] {
        for release in [false, true] {
            let e = Plan::for_target(t, &opts(release, Profile::Size, true)).unwrap_err();
            assert!(
                e.0.contains("--vm-only is for the JavaScript packages"),
                "{e}"
            );
        }
    }
}

#[test]
fn issue11_item0_a_wasi_program_embeds_into_the_vm_only_wasi_runtime() {
    for release in [false, true] {
        let p = Plan::for_program(WasmTarget::Wasi, &opts(release, Profile::Size, false)).unwrap();
        assert_eq!(p.compile.krate, "lumen-wasi-app");
        assert_eq!(
            p.compile.tool,
            Tool::Cargo {
                bin: "lumen-wasi-app"
            }
        );
        assert_eq!(p.compile.rust_target, "wasm32-wasip1");
        assert!(p.options.vm_only, "no compiler at run time");
        assert_eq!(p.package, Package::Embed);
        assert_eq!(p.wasm_file, "lumen-wasi-app.wasm");
        assert_eq!(p.optimize.is_some(), release);
        assert_eq!(p.compile.cargo_profile, release.then_some("wasm-release"));
        // Not the cache entry of the `lumen` command module.
        let cli = Plan::for_target(WasmTarget::Wasi, &opts(release, Profile::Size, false)).unwrap();
        assert_ne!(p.settings(), cli.settings());
    }
    assert_eq!(
        Plan::for_program(WasmTarget::Wasi, &DEFAULT_OPTIONS)
            .unwrap()
            .steps(),
        6
    );
    for (input, out) in [
        ("app.lm.md", "app.wasm"),
        ("dir/clean.lm", "clean.wasm"),
        ("x.lmb", "x.wasm"),
        ("noext", "noext.wasm"),
        (".lm.md", "app.wasm"),
    ] {
        assert_eq!(Plan::app_file_name(std::path::Path::new(input)), out);
    }
    // --vm-only is what a program gets anyway.
    assert!(Plan::for_program(WasmTarget::Wasi, &opts(true, Profile::Size, true)).is_ok());
    let e = Plan::for_program(WasmTarget::WasiHttp, &DEFAULT_OPTIONS).unwrap_err();
    assert!(
        e.0.contains("only `js`, `wasi`, `worker`, `component` and `http`"),
        "issue11_newuser_item4: every program target is listed: {e}"
    );
}

#[test]
fn issue12_item1_a_program_component_builds_on_the_cached_component_runtime() {
    for release in [false, true] {
        let p =
            Plan::for_program(WasmTarget::Component, &opts(release, Profile::Size, false)).unwrap();
        assert_eq!(p.compile.krate, "lumen-component-runtime");
        assert_eq!(
            p.compile.tool,
            Tool::CargoLib {
                lib: "lumen_component_runtime"
            }
        );
        assert!(!p.compile.needs_wasm_pack());
        assert_eq!(p.compile.rust_target, "wasm32-wasip1");
        assert!(p.options.vm_only, "no compiler at run time");
        assert_eq!(p.package, Package::Component);
        assert_eq!(p.wasm_file, "lumen_component_runtime.wasm");
        assert_eq!(
            p.optimize.is_some(),
            release,
            "binaryen takes the core module"
        );
        assert_eq!(p.compile.cargo_profile, release.then_some("wasm-release"));
        assert_eq!(p.steps(), if release { 7 } else { 6 });
        let wasi =
            Plan::for_program(WasmTarget::Wasi, &opts(release, Profile::Size, false)).unwrap();
        assert_ne!(p.settings(), wasi.settings(), "its own cache entry");
    }
    let e = Plan::for_target(WasmTarget::Component, &DEFAULT_OPTIONS).unwrap_err();
    assert!(e.0.contains("name the program"), "{e}");
}

#[test]
fn issue12_item2_an_http_program_builds_on_the_cached_http_runtime() {
    for release in [false, true] {
        let p = Plan::for_program(WasmTarget::Http, &opts(release, Profile::Size, false)).unwrap();
        assert_eq!(p.target, WasmTarget::Http);
        assert_eq!(p.compile.krate, "lumen-http-runtime");
        assert_eq!(
            p.compile.tool,
            Tool::CargoLib {
                lib: "lumen_http_runtime"
            }
        );
        assert_eq!(p.compile.rust_target, "wasm32-wasip1");
        assert!(p.options.vm_only, "no compiler at run time");
        assert_eq!(p.package, Package::Http);
        assert_eq!(p.wasm_file, "lumen_http_runtime.wasm");
        assert_eq!(p.optimize.is_some(), release);
        assert_eq!(p.steps(), if release { 7 } else { 6 });
        let component =
            Plan::for_program(WasmTarget::Component, &opts(release, Profile::Size, false)).unwrap();
        assert_ne!(p.settings(), component.settings(), "its own cache entry");
    }
    let e = Plan::for_target(WasmTarget::Http, &DEFAULT_OPTIONS).unwrap_err();
    assert!(e.0.contains("name the program"), "{e}");
}

#[test]
fn issue11_item1_a_js_program_packages_the_cached_vm_only_runtime() {
    for release in [false, true] {
        let o = opts(release, Profile::Size, false);
        let p = Plan::for_program(WasmTarget::Js, &o).unwrap();
        let vm = Plan::for_target(WasmTarget::Js, &opts(release, Profile::Size, true)).unwrap();
        assert_eq!(p.package, Package::NpmProgram);
        assert!(p.options.vm_only, "no compiler at run time");
        assert!(!p.compile.default_features);
        assert_eq!(p.compile, vm.compile);
        assert_eq!(p.optimize, vm.optimize);
        assert_eq!(p.wasm_file, "lumen_wasm_bg.wasm");
        // The same runtime cache entry as `--wasm-target js --vm-only`.
        assert_eq!(p.settings(), vm.settings());
        assert_eq!(p.steps(), vm.steps() + 1);
    }
}

#[test]
fn issue12_item2_a_worker_is_the_js_program_plan_with_the_worker_package() {
    for release in [false, true] {
        let o = opts(release, Profile::Size, false);
        let w = Plan::for_program(WasmTarget::Worker, &o).unwrap();
        let js = Plan::for_program(WasmTarget::Js, &o).unwrap();
        assert_eq!(w.package, Package::Worker);
        assert_eq!(
            w.target,
            WasmTarget::Js,
            "the runtime is the JavaScript one"
        );
        assert_eq!(w.compile, js.compile);
        assert_eq!(w.optimize, js.optimize);
        assert!(w.options.vm_only);
        // The same runtime cache entry as a `js` program and `--wasm-target js --vm-only`.
        assert_eq!(w.settings(), js.settings());
        assert_eq!(w.steps(), js.steps());
    }
    let e = Plan::for_target(WasmTarget::Worker, &DEFAULT_OPTIONS).unwrap_err();
    assert!(e.0.contains("builds a program"), "{e}");
}

#[test]
fn settings_change_with_every_option() {
    let base = Plan::for_target(WasmTarget::Js, &DEFAULT_OPTIONS).unwrap();
    let variants = [
        Plan::for_target(WasmTarget::Wasi, &DEFAULT_OPTIONS).unwrap(),
        Plan::for_target(WasmTarget::Js, &opts(true, Profile::Size, false)).unwrap(),
        Plan::for_target(WasmTarget::Js, &opts(false, Profile::Speed, false)).unwrap(),
        Plan::for_target(WasmTarget::Js, &opts(false, Profile::Size, true)).unwrap(),
        Plan::for_target(
            WasmTarget::Js,
            &Options {
                debug_info: true,
                ..DEFAULT_OPTIONS
            },
        )
        .unwrap(),
        Plan::for_target(
            WasmTarget::Js,
            &Options {
                keep_names: true,
                ..DEFAULT_OPTIONS
            },
        )
        .unwrap(),
    ];
    for v in &variants {
        assert_ne!(base.settings(), v.settings(), "{v:?}");
    }
}

/// `o` with `--debug-info`.
fn debug(o: Options) -> Options {
    Options {
        debug_info: true,
        ..o
    }
}

#[test]
fn issue14_item3_debug_info_compiles_with_dwarf_and_keeps_it_on_every_runtime_target() {
    let runtimes = [
        (WasmTarget::Js, false),
        (WasmTarget::Js, true),
        (WasmTarget::Wasi, false),
        (WasmTarget::WasiHttp, false),
    ];
    for (target, vm_only) in runtimes {
        for (release, profile, env) in [
            (false, Profile::Size, "CARGO_PROFILE_DEV_DEBUG"),
            (true, Profile::Size, "CARGO_PROFILE_WASM_RELEASE_DEBUG"),
            (true, Profile::Speed, "CARGO_PROFILE_WASM_SPEED_DEBUG"),
        ] {
            let plain = opts(release, profile, vm_only);
            let p = Plan::for_target(target, &debug(plain)).unwrap();
            let what = format!("{target} vm_only={vm_only} release={release} {profile:?}");
            assert!(p.compile.debug_info, "{what}");
            assert_eq!(p.compile.cargo_env(), [(env.to_string(), "2")], "{what}");
            // binaryen would drop the DWARF or skip most of its passes: it does not run.
            assert_eq!(p.optimize, None, "{what}");
            assert_eq!(p.steps(), 5, "{what}: no wasm-opt step");

            // The build without it: cargo's profile as Cargo.toml says, binaryen strips.
            let r = Plan::for_target(target, &plain).unwrap();
            assert!(!r.compile.debug_info && r.compile.cargo_env().is_empty());
            assert_eq!(r.optimize.is_some(), release, "{what}");
            assert!(r.optimize.is_none_or(|s| !s.keep_names), "{what}");
            // Otherwise the same compile, and never the same cache entry.
            assert_eq!(
                Compile {
                    debug_info: false,
                    ..p.compile.clone()
                },
                r.compile
            );
            assert_ne!(p.settings(), r.settings(), "{what}");
        }
    }
}

#[test]
fn issue14_item3_keep_names_is_release_code_with_names_and_no_dwarf() {
    for target in [WasmTarget::Js, WasmTarget::Wasi, WasmTarget::WasiHttp] {
        let release = opts(true, Profile::Size, false);
        let named = Options {
            keep_names: true,
            ..release
        };
        let p = Plan::for_target(target, &named).unwrap();
        let r = Plan::for_target(target, &release).unwrap();
        assert_eq!(p.compile, r.compile, "{target}: cargo's output is reused");
        assert!(p.compile.cargo_env().is_empty());
        assert_eq!(
            p.optimize,
            Some(Optimize {
                level: Profile::Size,
                keep_names: true,
            })
        );
        let d = Plan::for_target(target, &debug(release)).unwrap();
        let settings = [p.settings(), r.settings(), d.settings()];
        assert_ne!(settings[0], settings[1], "{target}");
        assert_ne!(settings[0], settings[2], "{target}");
        assert_ne!(settings[1], settings[2], "{target}");
    }
}

#[test]
fn issue14_item3_debug_info_programs_keep_it_where_the_runtime_is_not_rewritten() {
    for release in [false, true] {
        let o = debug(opts(release, Profile::Size, false));
        // A js program and a worker ship the runtime's npm package as it is.
        for target in [WasmTarget::Js, WasmTarget::Worker] {
            let p = Plan::for_program(target, &o).unwrap();
            let vm = Plan::for_target(WasmTarget::Js, &debug(opts(release, Profile::Size, true)))
                .unwrap();
            assert!(p.compile.debug_info, "{target}");
            assert_eq!(p.compile, vm.compile, "{target}");
            assert_eq!(
                p.settings(),
                vm.settings(),
                "{target}: the same cache entry"
            );
        }
        // Embedding renumbers the runtime's functions: a clear usage error, not a build
        // whose DWARF points at the wrong code.
        for target in [WasmTarget::Wasi, WasmTarget::Component, WasmTarget::Http] {
            let e = Plan::for_program(target, &o).unwrap_err();
            assert!(
                e.0.contains("--debug-info is not available"),
                "{target}: {e}"
            );
            assert!(
                e.0.contains(&format!("--wasm-target {target} program")),
                "{e}"
            );
            let names = Options {
                keep_names: true,
                ..opts(release, Profile::Size, false)
            };
            assert!(Plan::for_program(target, &names).is_ok(), "{target}");
        }
    }
}

#[test]
fn cargo_env_names_the_profile_compiled() {
    let mut c = Plan::for_target(WasmTarget::Wasi, &debug(DEFAULT_OPTIONS))
        .unwrap()
        .compile;
    for (profile, env) in [
        (None, "CARGO_PROFILE_DEV_DEBUG"),
        (Some("wasm-release"), "CARGO_PROFILE_WASM_RELEASE_DEBUG"),
        (Some("my-profile"), "CARGO_PROFILE_MY_PROFILE_DEBUG"),
    ] {
        c.cargo_profile = profile;
        assert_eq!(c.cargo_env(), [(env.to_string(), "2")]);
    }
    c.debug_info = false;
    assert!(c.cargo_env().is_empty());
}
