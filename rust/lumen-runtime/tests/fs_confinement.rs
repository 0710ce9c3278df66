//! Issue 10 items 9 and 10: the fs tools never leave their `path` grant, through symbolic
//! links (existing or dangling, at any component) or by racing the check against the open.
#![cfg(unix)]

use lumen_runtime::native::fs::{FsList, FsRead, FsWrite};
use lumen_runtime::{CallContext, ToolError, ToolProvider};
use serde_json::{json, Value};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A temporary `root/` with the granted `root/data/` and, outside it, `root/secret.txt`
/// and `root/outside/secret.txt` (both "SECRET").
struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
    data: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let data = root.join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::write(root.join("secret.txt"), "SECRET").unwrap();
        std::fs::create_dir(root.join("outside")).unwrap();
        std::fs::write(root.join("outside/secret.txt"), "SECRET").unwrap();
        Sandbox {
            _dir: dir,
            root,
            data,
        }
    }

    fn ctx(&self, tool: &str) -> CallContext {
        CallContext {
            tool: tool.into(),
            alias: "Files".into(),
            grants: vec![("path".into(), json!(self.data.to_string_lossy()))].into(),
            timeout: None,
            line: 1,
        }
    }

    fn p(&self, rel: &str) -> String {
        self.data.join(rel).to_string_lossy().into_owned()
    }

    fn read(&self, rel: &str) -> Result<Value, ToolError> {
        FsRead.call(&json!({ "path": self.p(rel) }), &self.ctx("fs.read"))
    }

    fn write(&self, rel: &str, text: &str) -> Result<Value, ToolError> {
        FsWrite.call(
            &json!({ "path": self.p(rel), "text": text }),
            &self.ctx("fs.write"),
        )
    }

    fn list(&self, rel: &str) -> Result<Value, ToolError> {
        FsList.call(&json!({ "path": self.p(rel) }), &self.ctx("fs.list"))
    }
}

/// Asserts an E0907 denial naming the alias, the tool, the grant and the denied path.
fn assert_denied(result: Result<Value, ToolError>, tool: &str, rel: &str, why: &str) {
    let e = result.expect_err("the call must be denied");
    assert_eq!(e.code(), "E0907", "{}", e.message);
    assert!(
        e.message
            .starts_with(&format!("tool Files ({tool}): grant path denies `")),
        "{}",
        e.message
    );
    assert!(e.message.contains(rel), "{}", e.message);
    assert!(e.message.contains(why), "{}", e.message);
}

#[test]
fn issue10_item9_write_through_dangling_symlink_is_denied() {
    let s = Sandbox::new();
    symlink("../outside.txt", s.data.join("link")).unwrap();
    let r = s.write("link", "pwned");
    assert_denied(r, "fs.write", "link", "leads above the granted directory");
    assert!(!s.root.join("outside.txt").exists(), "file created outside");
    // The same with an absolute target and through a dangling link in a subdirectory.
    let abs = s.root.join("outside-abs.txt");
    symlink(&abs, s.data.join("abs")).unwrap();
    assert_denied(
        s.write("abs", "pwned"),
        "fs.write",
        "abs",
        "outside the granted directory",
    );
    assert!(!abs.exists());
    std::fs::create_dir(s.data.join("sub")).unwrap();
    symlink("../../deep.txt", s.data.join("sub/link")).unwrap();
    assert_denied(
        s.write("sub/link", "pwned"),
        "fs.write",
        "sub/link",
        "leads above",
    );
    assert!(!s.root.join("deep.txt").exists());
}

#[test]
fn issue10_item9_write_through_existing_symlink_out_is_denied() {
    let s = Sandbox::new();
    symlink("../secret.txt", s.data.join("link")).unwrap();
    assert_denied(s.write("link", "pwned"), "fs.write", "link", "leads above");
    assert_denied(s.read("link"), "fs.read", "link", "leads above");
    assert_eq!(
        std::fs::read_to_string(s.root.join("secret.txt")).unwrap(),
        "SECRET"
    );
}

#[test]
fn issue10_item9_symlinked_parent_directory_is_denied() {
    let s = Sandbox::new();
    symlink(s.root.join("outside"), s.data.join("sub")).unwrap();
    assert_denied(
        s.read("sub/secret.txt"),
        "fs.read",
        "sub/secret.txt",
        "points to",
    );
    assert_denied(
        s.write("sub/new.txt", "x"),
        "fs.write",
        "sub/new.txt",
        "points to",
    );
    assert_denied(s.list("sub"), "fs.list", "sub", "points to");
    assert!(!s.root.join("outside/new.txt").exists());
    symlink("../outside", s.data.join("rel")).unwrap();
    assert_denied(
        s.read("rel/secret.txt"),
        "fs.read",
        "rel/secret.txt",
        "leads above",
    );
    assert_denied(s.list("rel"), "fs.list", "rel", "leads above");
}

#[test]
fn issue10_item9_dotdot_via_symlink_is_denied() {
    let s = Sandbox::new();
    symlink("..", s.data.join("up")).unwrap();
    assert_denied(
        s.read("up/secret.txt"),
        "fs.read",
        "up/secret.txt",
        "leads above",
    );
    assert_denied(s.list("up"), "fs.list", "up", "leads above");
    // `..` inside the grant that stays inside is fine.
    std::fs::create_dir(s.data.join("a")).unwrap();
    std::fs::write(s.data.join("b.txt"), "inside").unwrap();
    symlink("..", s.data.join("a/up")).unwrap();
    assert_eq!(s.read("a/up/b.txt"), Ok(json!({"text": "inside"})));
    // A `..` in the argument itself is folded lexically first; above the grant it is denied.
    let e = FsRead
        .call(
            &json!({"path": format!("{}/../secret.txt", s.data.display())}),
            &s.ctx("fs.read"),
        )
        .unwrap_err();
    assert_eq!(e.code(), "E0907", "{}", e.message);
    assert!(
        e.message.contains("outside the granted directories"),
        "{}",
        e.message
    );
}

#[test]
fn issue10_item9_absolute_symlink_is_followed_only_inside_the_grant() {
    let s = Sandbox::new();
    symlink("/etc/passwd", s.data.join("passwd")).unwrap();
    assert_denied(
        s.read("passwd"),
        "fs.read",
        "passwd",
        "points to `/etc/passwd`",
    );
    std::fs::create_dir(s.data.join("real")).unwrap();
    std::fs::write(s.data.join("real/f"), "ok").unwrap();
    symlink(s.data.join("real"), s.data.join("inner")).unwrap();
    assert_eq!(s.read("inner/f"), Ok(json!({"text": "ok"})));
    assert_eq!(s.list("inner"), Ok(json!({"entries": ["f"]})));
}

#[test]
fn issue10_item9_symlinks_inside_the_grant_keep_working() {
    let s = Sandbox::new();
    std::fs::create_dir(s.data.join("dir")).unwrap();
    std::fs::write(s.data.join("dir/file.txt"), "hello").unwrap();
    symlink("dir/file.txt", s.data.join("l1")).unwrap();
    symlink("l1", s.data.join("l2")).unwrap();
    symlink("dir", s.data.join("d")).unwrap();
    assert_eq!(s.read("l2"), Ok(json!({"text": "hello"})));
    assert_eq!(s.read("d/file.txt"), Ok(json!({"text": "hello"})));
    assert_eq!(s.list("d"), Ok(json!({"entries": ["file.txt"]})));
    // A dangling link that stays inside creates its target inside.
    symlink("dir/new.txt", s.data.join("later")).unwrap();
    assert_eq!(s.write("later", "made"), Ok(json!({"bytes": 4})));
    assert_eq!(
        std::fs::read_to_string(s.data.join("dir/new.txt")).unwrap(),
        "made"
    );
}

#[test]
fn issue10_item9_symlink_loop_fails_cleanly() {
    let s = Sandbox::new();
    symlink("b", s.data.join("a")).unwrap();
    symlink("a", s.data.join("b")).unwrap();
    let e = s.read("a").unwrap_err();
    assert_eq!(e.code(), "E0906", "{}", e.message);
    assert!(
        e.message.contains("too many levels of symbolic links"),
        "{}",
        e.message
    );
}

#[test]
fn issue10_item9_deep_paths_fail_cleanly() {
    let s = Sandbox::new();
    let rel = vec!["d"; 300].join("/");
    std::fs::create_dir_all(s.data.join(&rel)).unwrap();
    let e = s.write(&format!("{rel}/f.txt"), "x").unwrap_err();
    assert_eq!(e.code(), "E0906", "{}", e.message);
    assert!(
        e.message.contains("more than 256 nested directories"),
        "{}",
        e.message
    );
    let ok = vec!["d"; 200].join("/");
    assert_eq!(
        s.write(&format!("{ok}/f.txt"), "x"),
        Ok(json!({"bytes": 1}))
    );
}

#[test]
fn issue10_item9_hardlink_is_the_same_file() {
    // Policy: a hard link is another name of the same file, not a redirection. A name
    // inside the granted directory is inside the grant (whoever could create the link
    // could write the file), so it is read and written like any other file there.
    let s = Sandbox::new();
    let outside = s.root.join("linked.txt");
    std::fs::write(&outside, "shared").unwrap();
    if std::fs::hard_link(&outside, s.data.join("hard")).is_err() {
        return; // the temporary file system has no hard links
    }
    assert_eq!(s.read("hard"), Ok(json!({"text": "shared"})));
    assert_eq!(s.write("hard", "changed"), Ok(json!({"bytes": 7})));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "changed");
}

#[test]
fn issue10_item9_fifo_in_the_grant_does_not_hang() {
    let s = Sandbox::new();
    let made = std::process::Command::new("mkfifo")
        .arg(s.data.join("pipe"))
        .status()
        .is_ok_and(|st| st.success());
    if !made {
        return;
    }
    let e = s.read("pipe").unwrap_err();
    assert_eq!(e.code(), "E0906", "{}", e.message);
    assert!(e.message.contains("not a regular file"), "{}", e.message);
}

#[test]
fn path_tricks_through_the_tools_never_leave_the_grant() {
    let s = Sandbox::new();
    std::fs::write(s.data.join("in.txt"), "inside").unwrap();
    let d = s.data.display();
    // `//` and `.` are the same place; `..` above the grant is denied by the lexical check.
    let read = |p: String| FsRead.call(&json!({ "path": p }), &s.ctx("fs.read"));
    assert_eq!(
        read(format!("/{d}//./in.txt")),
        Ok(json!({"text": "inside"}))
    );
    for p in [
        format!("{d}/../secret.txt"),
        format!("{d}/./../outside/secret.txt"),
        format!("{d}//..//secret.txt"),
    ] {
        let e = read(p.clone()).unwrap_err();
        assert_eq!(e.code(), "E0907", "{p}: {}", e.message);
        assert!(
            e.message.contains("outside the granted directories"),
            "{}",
            e.message
        );
    }
    // A NUL byte could truncate the path in a C layer: denied before any open.
    let e = read(format!("{d}/in.txt\0/../../secret.txt")).unwrap_err();
    assert_eq!(e.code(), "E0907", "{}", e.message);
    assert!(e.message.contains("NUL byte"), "{}", e.message);
    // Backslashes are file-name characters on POSIX: a literal (missing) entry inside.
    for p in [
        format!("{d}/..\\secret.txt"),
        format!("{d}/..\\..\\secret.txt"),
    ] {
        let e = read(p.clone()).unwrap_err();
        assert_eq!(e.code(), "E0906", "{p}: {}", e.message);
        assert!(e.message.contains("No such file"), "{}", e.message);
    }
    // Writing such a name creates that odd file inside the grant, nothing outside.
    let odd = format!("{d}/..\\escape.txt");
    assert_eq!(
        FsWrite.call(&json!({"path": odd, "text": "x"}), &s.ctx("fs.write")),
        Ok(json!({"bytes": 1}))
    );
    assert!(s.data.join("..\\escape.txt").exists());
    assert!(!s.root.join("escape.txt").exists());
}

/// Runs `attempt` `tries` times while another thread keeps swapping `target` between a
/// plain entry made by `make_plain` and a symbolic link to `link_to`; returns how many
/// attempts `leaked`.
fn race(
    target: &Path,
    link_to: &Path,
    make_plain: fn(&Path),
    attempt: &dyn Fn() -> bool,
    tries: usize,
) -> usize {
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        let (target, link_to) = (target.to_path_buf(), link_to.to_path_buf());
        std::thread::spawn(move || {
            let dir = target.parent().unwrap().to_path_buf();
            let link_tmp = dir.join(".swap-link");
            let plain_tmp = dir.join(".swap-plain");
            while !stop.load(Ordering::Relaxed) {
                let _ = std::fs::remove_file(&link_tmp);
                if symlink(&link_to, &link_tmp).is_ok() {
                    let _ = std::fs::remove_dir_all(&target);
                    let _ = std::fs::rename(&link_tmp, &target);
                }
                let _ = std::fs::remove_dir_all(&plain_tmp);
                make_plain(&plain_tmp);
                let _ = std::fs::remove_file(&target);
                let _ = std::fs::rename(&plain_tmp, &target);
            }
        })
    };
    let leaks = (0..tries).filter(|_| attempt()).count();
    stop.store(true, Ordering::Relaxed);
    let _ = swapper.join();
    leaks
}

/// Enough attempts that the check-then-open code this replaced leaked every time we ran it.
const TRIES: usize = 30_000;

#[test]
fn issue10_item10_read_race_never_returns_the_secret() {
    let s = Sandbox::new();
    let target = s.data.join("race");
    std::fs::write(&target, "public").unwrap();
    let leaked = race(
        &target,
        &s.root.join("secret.txt"),
        |p| std::fs::write(p, "public").unwrap(),
        &|| s.read("race").is_ok_and(|v| v["text"] == "SECRET"),
        TRIES,
    );
    assert_eq!(leaked, 0, "fs.read returned the secret {leaked} times");
}

#[test]
fn issue10_item10_parent_directory_race_never_returns_the_secret() {
    let s = Sandbox::new();
    let make_dir = |p: &Path| {
        std::fs::create_dir(p).unwrap();
        std::fs::write(p.join("secret.txt"), "public").unwrap();
    };
    let target = s.data.join("sub");
    make_dir(&target);
    let leaked = race(
        &target,
        &s.root.join("outside"),
        make_dir,
        &|| {
            s.read("sub/secret.txt")
                .is_ok_and(|v| v["text"] == "SECRET")
        },
        TRIES,
    );
    assert_eq!(leaked, 0, "fs.read returned the secret {leaked} times");
}

#[test]
fn issue10_item10_write_race_never_writes_outside() {
    let s = Sandbox::new();
    let target = s.data.join("w");
    std::fs::write(&target, "x").unwrap();
    let victim = s.root.join("secret.txt");
    race(
        &target,
        &victim,
        |p| std::fs::write(p, "x").unwrap(),
        &|| {
            let _ = s.write("w", "PWNED");
            false
        },
        TRIES,
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "SECRET");
}

#[test]
fn issue10_item10_list_race_never_lists_outside() {
    let s = Sandbox::new();
    let make_dir = |p: &Path| {
        std::fs::create_dir(p).unwrap();
        std::fs::write(p.join("public.txt"), "").unwrap();
    };
    let target = s.data.join("d");
    make_dir(&target);
    let leaked = race(
        &target,
        &s.root.join("outside"),
        make_dir,
        &|| {
            s.list("d")
                .is_ok_and(|v| v["entries"].to_string().contains("secret"))
        },
        TRIES,
    );
    assert_eq!(
        leaked, 0,
        "fs.list listed the outside directory {leaked} times"
    );
}
