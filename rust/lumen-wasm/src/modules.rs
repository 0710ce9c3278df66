//! A [`ModuleLoader`] over an in-memory map: `import a.b: X` loads the source the host gave
//! under the dotted path `"a.b"` (the `modules` run option of the JavaScript API).
//!
//! An imported file is named `a/b.lm` in diagnostics and run-time errors, or `a/b.lm.md` when
//! its text contains a ```` ```lumen ```` fence (markdown is detected by content, since the
//! host gives no file name). The loader remembers every file it handed out, so the renderer
//! can find a diagnostic's source text.

use lumen_compiler::source::looks_like_markdown;
use lumen_compiler::ModuleLoader;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Loads modules from a map of dotted path → source text.
#[derive(Debug, Default)]
pub struct MapLoader {
    modules: BTreeMap<String, String>,
    /// File name → text of every file loaded so far (the root included once registered).
    loaded: RefCell<BTreeMap<String, String>>,
}

/// The file name an imported module gets: `a/b.lm` or `a/b.lm.md`.
pub fn module_file_name(dotted: &str, text: &str) -> String {
    let stem = dotted.replace('.', "/");
    if looks_like_markdown(text) {
        format!("{stem}.lm.md")
    } else {
        format!("{stem}.lm")
    }
}

impl MapLoader {
    /// A loader serving `modules` (keys are dotted import paths such as `"util.math"`).
    pub fn new(modules: BTreeMap<String, String>) -> MapLoader {
        MapLoader {
            modules,
            loaded: RefCell::new(BTreeMap::new()),
        }
    }

    /// Records the root file's text under its name (for rendering its diagnostics).
    pub fn register_root(&self, name: &str, text: &str) {
        self.loaded
            .borrow_mut()
            .insert(name.to_string(), text.to_string());
    }

    /// The text of a file loaded (or registered) under `name`.
    pub fn source(&self, name: &str) -> Option<String> {
        self.loaded.borrow().get(name).cloned()
    }
}

impl MapLoader {
    /// The dotted keys to try for `path` imported by `importer`: first relative to the
    /// importer's folder (as the native loader resolves files), then as written.
    fn candidates(importer: &str, path: &[String]) -> Vec<String> {
        let dotted = path.join(".");
        let folder: Vec<&str> = match importer.rsplit_once('/') {
            Some((dir, _)) => dir
                .split('/')
                .filter(|p| !p.is_empty() && *p != ".")
                .collect(),
            None => Vec::new(),
        };
        let mut out = Vec::new();
        if !folder.is_empty() {
            out.push(format!("{}.{dotted}", folder.join(".")));
        }
        out.push(dotted);
        out
    }
}

impl ModuleLoader for MapLoader {
    fn load(&self, importer: &str, path: &[String]) -> Result<(String, Vec<u8>), String> {
        let candidates = Self::candidates(importer, path);
        let Some((dotted, text)) = candidates
            .iter()
            .find_map(|c| self.modules.get(c).map(|t| (c.clone(), t)))
        else {
            let list = if self.modules.is_empty() {
                "none".to_string()
            } else {
                self.modules.keys().cloned().collect::<Vec<_>>().join(", ")
            };
            return Err(format!(
                "module `{}` is not provided (modules given: {list})",
                path.join(".")
            ));
        };
        let name = module_file_name(&dotted, text);
        self.loaded.borrow_mut().insert(name.clone(), text.clone());
        Ok((name, text.clone().into_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_resolve_relative_to_the_importer_first() {
        let mut m = BTreeMap::new();
        m.insert(
            "lib.b".to_string(),
            "cell f() -> Int\n  1\nend\n".to_string(),
        );
        m.insert("b".to_string(), "cell g() -> Int\n  2\nend\n".to_string());
        let l = MapLoader::new(m);
        let (name, _) = l.load("lib/a.lm", &["b".to_string()]).expect("relative");
        assert_eq!(name, "lib/b.lm");
        let (name, _) = l.load("main.lm", &["b".to_string()]).expect("as written");
        assert_eq!(name, "b.lm");
    }

    fn loader() -> MapLoader {
        let mut m = BTreeMap::new();
        m.insert(
            "util.math".to_string(),
            "cell sq(x: Int) -> Int\n  return x * x\nend\n".to_string(),
        );
        m.insert(
            "doc".to_string(),
            "# Doc\n\n```lumen\ncell one() -> Int\n  return 1\nend\n```\n".to_string(),
        );
        MapLoader::new(m)
    }

    #[test]
    fn loads_by_dotted_path_and_names_the_file() {
        let l = loader();
        let (name, bytes) = l.load("main.lm", &["util".into(), "math".into()]).unwrap();
        assert_eq!(name, "util/math.lm");
        assert!(String::from_utf8(bytes).unwrap().contains("cell sq"));
        assert!(l.source("util/math.lm").is_some());
        let (name, _) = l.load("main.lm", &["doc".into()]).unwrap();
        assert_eq!(name, "doc.lm.md");
    }

    #[test]
    fn missing_module_lists_the_given_ones() {
        let e = loader().load("main.lm", &["nope".into()]).unwrap_err();
        assert!(e.contains("`nope`"), "{e}");
        assert!(e.contains("doc, util.math"), "{e}");
        let e = MapLoader::default()
            .load("main.lm", &["a".into(), "b".into()])
            .unwrap_err();
        assert!(e.contains("`a.b`") && e.contains("none"), "{e}");
    }

    #[test]
    fn root_is_registered() {
        let l = MapLoader::default();
        l.register_root("main.lm", "cell main()\nend\n");
        assert_eq!(l.source("main.lm").as_deref(), Some("cell main()\nend\n"));
        assert_eq!(l.source("other.lm"), None);
    }
}
