//! File-system tools: `fs.read {path}`, `fs.write {path, text}`, `fs.list {path}`.
//!
//! All three **require** a `path` grant (E0907 without one): there is no implicit access to
//! the working directory. The grant check ([`crate::grants`]) compares normalised paths
//! lexically before the call; the providers then open the path with
//! [`super::confine::open_confined`], which walks it beneath the granted directory's handle
//! without ever letting the kernel follow a symbolic link, so neither a link nor a race
//! leads outside the grant. Relative paths are taken from the process's working directory.

use super::confine::{open_confined, Access};
use super::str_arg;
use crate::provider::{CallContext, ToolError, ToolProvider};
use serde_json::{json, Value};
use std::io::{Read, Write};

/// Files larger than this are not read (the result must fit in memory as a Lumen string).
pub const MAX_READ_BYTES: u64 = 64 * 1024 * 1024;

fn io_failure(ctx: &CallContext, what: &str, path: &str, e: std::io::Error) -> ToolError {
    ToolError::failed(format!("{}: cannot {what} `{path}`: {e}", ctx.describe()))
}

fn path_schema(extra: Option<(&str, &str)>) -> Value {
    let mut props = serde_json::Map::new();
    props.insert("path".into(), json!({"type": "string"}));
    let mut required = vec![json!("path")];
    if let Some((name, ty)) = extra {
        props.insert(name.into(), json!({ "type": ty }));
        required.push(json!(name));
    }
    json!({"type": "object", "properties": props, "required": required})
}

/// `fs.read {path}` → `{"text": contents}` (UTF-8 text files).
#[derive(Debug, Clone, Copy, Default)]
pub struct FsRead;

impl ToolProvider for FsRead {
    fn name(&self) -> &str {
        "fs.read"
    }

    fn schema(&self) -> Option<Value> {
        Some(path_schema(None))
    }

    fn required_grants(&self) -> &[&'static str] {
        crate::standard::required_grants(self.name())
    }

    fn call(&self, args: &Value, ctx: &CallContext) -> Result<Value, ToolError> {
        let path = str_arg(args, "path", ctx)?;
        let file = std::fs::File::from(open_confined(path, ctx, Access::Read)?);
        let meta = file
            .metadata()
            .map_err(|e| io_failure(ctx, "read", path, e))?;
        if !meta.is_file() {
            return Err(ToolError::failed(format!(
                "{}: cannot read `{path}`: not a regular file",
                ctx.describe()
            )));
        }
        if meta.len() > MAX_READ_BYTES {
            return Err(ToolError::failed(format!(
                "{}: `{path}` is too large ({} bytes, limit {MAX_READ_BYTES})",
                ctx.describe(),
                meta.len()
            )));
        }
        let mut bytes = Vec::new();
        file.take(MAX_READ_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io_failure(ctx, "read", path, e))?;
        if bytes.len() as u64 > MAX_READ_BYTES {
            return Err(ToolError::failed(format!(
                "{}: `{path}` is too large (limit {MAX_READ_BYTES} bytes)",
                ctx.describe()
            )));
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            ToolError::failed(format!("{}: `{path}` is not UTF-8 text", ctx.describe()))
        })?;
        Ok(json!({ "text": text }))
    }
}

/// `fs.write {path, text}` → `{"bytes": number written}` (creates or truncates the file).
#[derive(Debug, Clone, Copy, Default)]
pub struct FsWrite;

impl ToolProvider for FsWrite {
    fn name(&self) -> &str {
        "fs.write"
    }

    fn schema(&self) -> Option<Value> {
        Some(path_schema(Some(("text", "string"))))
    }

    fn required_grants(&self) -> &[&'static str] {
        crate::standard::required_grants(self.name())
    }

    fn call(&self, args: &Value, ctx: &CallContext) -> Result<Value, ToolError> {
        let path = str_arg(args, "path", ctx)?;
        let text = str_arg(args, "text", ctx)?;
        let mut file = std::fs::File::from(open_confined(path, ctx, Access::Write)?);
        file.write_all(text.as_bytes())
            .map_err(|e| io_failure(ctx, "write", path, e))?;
        Ok(json!({ "bytes": text.len() }))
    }
}

/// `fs.list {path}` → `{"entries": [file names, sorted]}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FsList;

impl ToolProvider for FsList {
    fn name(&self) -> &str {
        "fs.list"
    }

    fn schema(&self) -> Option<Value> {
        Some(path_schema(None))
    }

    fn required_grants(&self) -> &[&'static str] {
        crate::standard::required_grants(self.name())
    }

    fn call(&self, args: &Value, ctx: &CallContext) -> Result<Value, ToolError> {
        let path = str_arg(args, "path", ctx)?;
        let fd = open_confined(path, ctx, Access::List)?;
        let dir = rustix::fs::Dir::new(fd).map_err(|e| io_failure(ctx, "list", path, e.into()))?;
        let mut names = Vec::new();
        for entry in dir {
            let entry = entry.map_err(|e| io_failure(ctx, "list", path, e.into()))?;
            let name = String::from_utf8_lossy(entry.file_name().to_bytes()).into_owned();
            if name != "." && name != ".." {
                names.push(name);
            }
        }
        names.sort();
        Ok(json!({ "entries": names }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ToolErrorKind;
    use std::path::Path;

    fn ctx_for(dir: &Path) -> CallContext {
        CallContext {
            tool: "fs.read".into(),
            alias: "Files".into(),
            grants: vec![("path".into(), json!(dir.to_string_lossy()))].into(),
            timeout: None,
            line: 1,
        }
    }

    #[test]
    fn write_read_list_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ctx_for(dir.path());
        let file = dir.path().join("a.txt");
        let f = file.to_string_lossy().into_owned();
        let wrote = FsWrite
            .call(&json!({"path": f, "text": "héllo\n"}), &ctx)
            .unwrap();
        assert_eq!(wrote, json!({"bytes": 7}));
        let read = FsRead.call(&json!({"path": f}), &ctx).unwrap();
        assert_eq!(read, json!({"text": "héllo\n"}));
        std::fs::write(dir.path().join("b.txt"), "x").unwrap();
        std::fs::create_dir(dir.path().join("c")).unwrap();
        let d = dir.path().to_string_lossy().into_owned();
        let listed = FsList.call(&json!({"path": d}), &ctx).unwrap();
        assert_eq!(listed, json!({"entries": ["a.txt", "b.txt", "c"]}));
    }

    #[test]
    fn missing_file_is_a_failure_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ctx_for(dir.path());
        let f = dir.path().join("nope.txt").to_string_lossy().into_owned();
        let e = FsRead.call(&json!({"path": f}), &ctx).unwrap_err();
        assert_eq!(e.kind, ToolErrorKind::Failed);
        assert!(e.message.contains("nope.txt"), "{}", e.message);
        assert!(e.message.contains("tool Files (fs.read)"), "{}", e.message);
    }

    #[test]
    fn non_utf8_file_is_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ctx_for(dir.path());
        let file = dir.path().join("bin");
        std::fs::write(&file, [0xff, 0xfe, 0x00]).unwrap();
        let e = FsRead
            .call(&json!({"path": file.to_string_lossy()}), &ctx)
            .unwrap_err();
        assert!(e.message.contains("not UTF-8"), "{}", e.message);
    }

    #[test]
    fn outside_the_grant_is_denied() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let ctx = ctx_for(dir.path());
        let f = other.path().join("x").to_string_lossy().into_owned();
        let e = FsWrite
            .call(&json!({"path": f, "text": "no"}), &ctx)
            .unwrap_err();
        assert_eq!(e.code(), "E0907");
        assert!(
            e.message.starts_with(&format!(
                "tool Files (fs.read): grant path denies `{f}`: it is outside the granted directories (allowed: {})",
                dir.path().display()
            )),
            "{}",
            e.message
        );
        assert!(!other.path().join("x").exists());
        let no_grant = CallContext::default();
        let e = FsRead
            .call(&json!({"path": "/etc/hostname"}), &no_grant)
            .unwrap_err();
        assert_eq!(e.code(), "E0907");
        assert_eq!(
            e.message, "tool  (): this tool requires a `path` grant",
            "{}",
            e.message
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlink_out_of_the_grant_is_denied() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        std::fs::write(other.path().join("secret"), "s").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(other.path(), &link).unwrap();
        let ctx = ctx_for(dir.path());
        let through = link.join("secret").to_string_lossy().into_owned();
        let e = FsRead.call(&json!({"path": through}), &ctx).unwrap_err();
        assert_eq!(e.code(), "E0907", "{}", e.message);
        assert!(
            e.message.contains("the symbolic link `link` points to"),
            "{}",
            e.message
        );
        // A link that stays inside is fine.
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::fs::write(dir.path().join("real/f"), "ok").unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("inner")).unwrap();
        let inner = dir.path().join("inner/f").to_string_lossy().into_owned();
        assert_eq!(
            FsRead.call(&json!({"path": inner}), &ctx),
            Ok(json!({"text": "ok"}))
        );
    }

    #[test]
    fn bad_arguments_fail() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ctx_for(dir.path());
        let e = FsRead.call(&json!({"path": 1}), &ctx).unwrap_err();
        assert_eq!(e.code(), "E0906");
        assert!(
            e.message.contains("`path` must be a string"),
            "{}",
            e.message
        );
        let f = dir.path().join("x").to_string_lossy().into_owned();
        let e = FsWrite.call(&json!({"path": f}), &ctx).unwrap_err();
        assert_eq!(e.code(), "E0906");
        assert!(
            e.message.contains("`text` must be a string"),
            "{}",
            e.message
        );
        let listed = FsList.call(&json!({"path": f}), &ctx).unwrap_err();
        assert_eq!(listed.kind, ToolErrorKind::Failed);
        let e = FsRead
            .call(&json!({"path": dir.path().to_string_lossy()}), &ctx)
            .unwrap_err();
        assert_eq!(e.code(), "E0906");
        assert!(e.message.contains("is a directory"), "{}", e.message);
    }
}
