//! End-to-end grant tests of `lumen run` (issue 10 items 9, 10, 11): every denial asserts
//! the code (E0907), the reason (which alias, grant and value) and the source line, and that
//! nothing outside the grant was read or written.

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn lumen() -> Command {
    let mut cmd = Command::cargo_bin("lumen").expect("the lumen binary is built");
    cmd.timeout(std::time::Duration::from_secs(60));
    cmd
}

/// A directory with `data/`, the program `t.lm` and `secret.txt` / `outside/secret.txt`
/// (both "SECRET") outside `data/`.
fn project(program: &str) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("data")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("outside")).expect("mkdir");
    std::fs::write(dir.path().join("secret.txt"), "SECRET").expect("write");
    std::fs::write(dir.path().join("outside/secret.txt"), "SECRET").expect("write");
    std::fs::write(dir.path().join("data/note.txt"), "a note").expect("write");
    std::fs::write(dir.path().join("t.lm"), program).expect("write");
    dir
}

/// Runs `t.lm` in `dir` and asserts an E0907 failure at `line` whose message contains
/// every fragment and never the secret.
fn assert_denied(dir: &TempDir, line: u32, fragments: &[&str]) {
    let out = lumen()
        .current_dir(dir.path())
        .args(["run", "t.lm"])
        .output()
        .expect("lumen runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("error[E0907]: "), "{stderr}");
    assert!(stderr.contains(&format!("t.lm:{line}")), "{stderr}");
    for f in fragments {
        assert!(stderr.contains(f), "`{f}` missing in: {stderr}");
    }
    assert!(
        !stdout.contains("SECRET") && !stderr.contains("SECRET"),
        "{stdout}{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn issue10_item9_cli_write_through_dangling_symlink_is_denied() {
    let dir = project(
        "use tool fs.write as Write\ngrant Write path \"data\"\n\ncell main()\n  Write(path: \"data/link\", text: \"pwned\")\nend\n",
    );
    std::os::unix::fs::symlink("../outside.txt", dir.path().join("data/link")).expect("link");
    assert_denied(
        &dir,
        5,
        &[
            "tool Write (fs.write): grant path denies `data/link`",
            "a symbolic link leads above the granted directory",
            "(allowed: data)",
        ],
    );
    assert!(!dir.path().join("outside.txt").exists(), "written outside");
}

#[cfg(unix)]
#[test]
fn issue10_item10_cli_read_through_symlinked_parent_is_denied() {
    let dir = project(
        "use tool fs.read as Read\ngrant Read path \"data\"\n\ncell main()\n  print(Read(path: \"data/note.txt\")[\"text\"])\n  print(Read(path: \"data/sub/secret.txt\"))\nend\n",
    );
    std::os::unix::fs::symlink("../outside", dir.path().join("data/sub")).expect("link");
    assert_denied(
        &dir,
        6,
        &["tool Read (fs.read): grant path denies `data/sub/secret.txt`"],
    );
    let abs = project(
        "use tool fs.list as List\ngrant List path \"data\"\n\ncell main()\n  print(List(path: \"data/etc\"))\nend\n",
    );
    std::os::unix::fs::symlink("/etc", abs.path().join("data/etc")).expect("link");
    assert_denied(
        &abs,
        5,
        &[
            "tool List (fs.list): grant path denies `data/etc`",
            "the symbolic link `etc` points to `/etc`, outside the granted directory",
        ],
    );
}

#[test]
fn cli_fs_tools_without_a_path_grant_are_denied() {
    for tool in ["fs.read", "fs.list"] {
        let dir = project(&format!(
            "use tool {tool} as F\n\ncell main()\n  print(F(path: \"secret.txt\"))\nend\n"
        ));
        assert_denied(
            &dir,
            4,
            &[&format!(
                "tool F ({tool}): this tool requires a `path` grant (for example `grant F path \"...\"`)"
            )],
        );
    }
    let dotdot = project(
        "use tool fs.read as Read\ngrant Read path \"data\"\n\ncell main()\n  print(Read(path: \"data/../secret.txt\"))\nend\n",
    );
    assert_denied(
        &dotdot,
        5,
        &["tool Read (fs.read): grant path denies `data/../secret.txt` (allowed: data)"],
    );
}

#[test]
fn cli_http_denials_name_the_real_host() {
    let ungranted = project(
        "use tool http.get as Fetch\n\ncell main()\n  print(Fetch(url: \"http://169.254.169.254/latest\"))\nend\n",
    );
    assert_denied(
        &ungranted,
        4,
        &["tool Fetch (http.get): this tool requires a `domain` grant"],
    );
    let trick = project(
        "use tool http.get as Fetch\ngrant Fetch domain \"api.example.com\"\n\ncell main()\n  print(Fetch(url: \"http://api.example.com@127.0.0.1:1/\"))\nend\n",
    );
    assert_denied(
        &trick,
        5,
        &[
            "tool Fetch (http.get): grant domain denies host `127.0.0.1`",
            "(allowed: api.example.com)",
        ],
    );
}

#[test]
fn issue10_item11_cli_env_get_without_a_grant_is_denied() {
    let dir = project("use tool env.get as Env\n\ncell main()\n  print(Env(name: \"LUMEN_GRANT_TEST_SECRET\"))\nend\n");
    lumen()
        .current_dir(dir.path())
        .env("LUMEN_GRANT_TEST_SECRET", "SECRET")
        .args(["run", "t.lm"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains(
                "error[E0907]: tool Env (env.get): this tool requires a `name` grant (for example `grant Env name \"...\"`)",
            )
            .and(predicate::str::contains("t.lm:4"))
            .and(predicate::str::contains("SECRET").not()),
        );
}

#[test]
fn issue10_item11_cli_env_get_reads_only_granted_names() {
    let dir = project(
        "use tool env.get as Env\ngrant Env name \"LUMEN_GRANT_TEST_*\"\ngrant Env name \"LUMEN_OTHER\"\n\ncell main()\n  print(Env(name: \"LUMEN_GRANT_TEST_A\"))\n  print(Env(name: \"LUMEN_OTHER\"))\n  print(Env(name: \"LUMEN_SECRET\"))\nend\n",
    );
    lumen()
        .current_dir(dir.path())
        .env("LUMEN_GRANT_TEST_A", "hello")
        .env_remove("LUMEN_OTHER")
        .env("LUMEN_SECRET", "SECRET")
        .args(["run", "t.lm"])
        .assert()
        .code(1)
        .stdout("hello\nnull\n")
        .stderr(
            predicate::str::contains(
                "error[E0907]: tool Env (env.get): grant name denies `LUMEN_SECRET` (allowed: LUMEN_GRANT_TEST_*, LUMEN_OTHER)",
            )
            .and(predicate::str::contains("t.lm:8"))
            .and(predicate::str::contains("SECRET\n").not()),
        );
}

#[test]
fn issue10_item11_cli_time_now_needs_no_grant() {
    let dir =
        project("use tool time.now as Now\n\ncell main()\n  print(Now()[\"unix_ms\"] > 0)\nend\n");
    lumen()
        .current_dir(dir.path())
        .args(["run", "t.lm"])
        .assert()
        .success()
        .stdout("true\n");
}
