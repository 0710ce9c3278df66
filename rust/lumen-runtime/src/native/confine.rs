//! Confinement of the file-system tools to their `path` grants, race-free.
//!
//! Checking a path and then opening it by name is a race (issue 10 item 10): between the
//! two steps the last component, or any directory above it, can be swapped for a symbolic
//! link that leads elsewhere. So check and open are one step here:
//!
//! 1. The requested path is normalised lexically (like [`crate::grants::normalize_path`])
//!    and matched against the `path` grants; the widest matching grant is the **root**.
//! 2. The root directory is opened (symbolic links in the grant itself are followed: the
//!    program's source names it).
//! 3. The rest of the path is walked beneath that handle **one component at a time**, each
//!    opened with `openat(dir, name, O_NOFOLLOW)`, so the kernel never follows a link for
//!    us. A component that is a symbolic link is read with `readlinkat` and resolved here:
//!    a relative target continues the walk from the link's directory, `..` pops back to the
//!    parent handle, and an absolute target is allowed only when it names a place under the
//!    root (it is then walked from the root handle). A `..` above the root is a denial.
//!
//! Every step is relative to a handle we hold, so renaming or swapping entries while we walk
//! can make a call fail, never escape. The same code runs natively (Linux, macOS: `rustix`
//! on libc) and in the WASI build (wasi-libc's `openat` is WASI `path_open` relative to the
//! directory handle), where each component is looked at with `readlinkat` before it is
//! opened, because a WASI host need not honour "do not follow" (see
//! [`HOST_HONOURS_NOFOLLOW`]) and each opened handle is checked to be the entry its name is
//! now, so a link swapped in mid-call is never read or written through.
//!
//! Hard links are not symbolic links: a hard link is another name of the same file, and a
//! name inside the granted directory is inside the grant, whoever made it (on Linux,
//! `fs.protected_hardlinks` stops users linking files they cannot write).

use crate::grants::normalize_path;
use crate::provider::{CallContext, ToolError};
use rustix::fs::{openat, readlinkat, Mode, OFlags, CWD};
use serde_json::Value;
use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};

/// How many symbolic links one call may follow (Linux's own limit is 40).
pub const MAX_SYMLINKS: u32 = 40;

/// How many directories deep beneath the root a path may go (each level holds a handle).
pub const MAX_DEPTH: usize = 256;

/// What the caller will do with the opened handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read an existing file.
    Read,
    /// Create or truncate a file for writing.
    Write,
    /// List an existing directory.
    List,
}

impl Access {
    fn verb(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::List => "list",
        }
    }

    /// Open flags for the last component (never following a symbolic link).
    fn flags(self) -> OFlags {
        let common = nofollow() | OFlags::CLOEXEC | nonblock();
        match self {
            Access::Read => OFlags::RDONLY | common,
            Access::Write => OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | common,
            Access::List => OFlags::RDONLY | OFlags::DIRECTORY | common,
        }
    }
}

/// `O_NONBLOCK` where it keeps a FIFO in the grant from blocking the open (it changes
/// nothing for regular files and directories).
fn nonblock() -> OFlags {
    if cfg!(unix) {
        OFlags::NONBLOCK
    } else {
        OFlags::empty()
    }
}

/// Whether an `openat` with `O_NOFOLLOW` is sure not to follow a symbolic link. The kernel
/// honours it. Under WASI it becomes `path_open` without `SYMLINK_FOLLOW`, and a host may
/// then open the host path *following* links with no check at all (Node's `node:wasi`
/// does: uvwasi checks links only when asked to follow them). So under WASI we read each
/// component with `readlinkat` first, resolve links ourselves, open it, and check that the
/// handle is the entry the name is now (see `open_component`).
const HOST_HONOURS_NOFOLLOW: bool = cfg!(not(target_os = "wasi"));

/// `O_NOFOLLOW` where the host honours it (see [`HOST_HONOURS_NOFOLLOW`]).
fn nofollow() -> OFlags {
    if HOST_HONOURS_NOFOLLOW {
        OFlags::NOFOLLOW
    } else {
        OFlags::empty()
    }
}

/// Flags for a directory on the way down.
fn dir_flags() -> OFlags {
    OFlags::RDONLY | OFlags::DIRECTORY | nofollow() | OFlags::CLOEXEC
}

/// The `path` grant values of the call (strings and lists of strings).
fn granted_prefixes(ctx: &CallContext) -> Vec<String> {
    let mut out = Vec::new();
    for value in ctx.grant_values("path") {
        match value {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => {
                out.extend(items.iter().filter_map(Value::as_str).map(str::to_string))
            }
            _ => {}
        }
    }
    out
}

/// Opens `path` for `access` beneath the widest `path` grant that contains it. Relative
/// paths (of the argument and the grants) are taken from the process's working directory.
///
/// Errors: E0907 (denied) when no grant contains the path, or when resolving it would leave
/// the granted directory (a `..`, relative or absolute symbolic link out of it); E0906
/// (failed) for I/O errors such as a missing file.
pub fn open_confined(path: &str, ctx: &CallContext, access: Access) -> Result<OwnedFd, ToolError> {
    let prefixes = granted_prefixes(ctx);
    if prefixes.is_empty() {
        return Err(ToolError::denied(format!(
            "{}: this tool requires a `path` grant",
            ctx.describe()
        )));
    }
    let deny = |reason: &str| {
        ToolError::denied(format!(
            "{}: grant path denies `{}`: {reason} (allowed: {})",
            ctx.describe(),
            path.escape_debug(),
            prefixes.join(", ")
        ))
    };
    if path.contains('\0') {
        return Err(deny("the path contains a NUL byte"));
    }
    let base = crate::grants::host_base();
    let lexical = normalize_path(Path::new(path), base.as_deref())
        .ok_or_else(|| deny("`..` leads above the root"))?;
    // The widest grant containing the path: everything a narrower one allows, it allows.
    let root = prefixes
        .iter()
        .filter(|p| !p.contains('\0'))
        .filter_map(|p| normalize_path(Path::new(p), base.as_deref()))
        .filter(|g| within(&lexical, g))
        .min_by_key(|g| g.components().count())
        .ok_or_else(|| deny("it is outside the granted directories"))?;
    let rest: VecDeque<OsString> = if root == Path::new(".") {
        lexical
            .components()
            .map(|c| c.as_os_str().to_owned())
            .collect()
    } else {
        lexical
            .strip_prefix(&root)
            .map(|r| r.components().map(|c| c.as_os_str().to_owned()).collect())
            .unwrap_or_default()
    };
    let root_fd = openat(
        CWD,
        &root,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| {
        ToolError::failed(format!(
            "{}: cannot open the granted directory `{}`: {}",
            ctx.describe(),
            root.display(),
            std::io::Error::from(e)
        ))
    })?;
    let walk = Walk {
        root_aliases: root_aliases(&root),
        root,
        dirs: vec![root_fd],
        queue: rest,
        links_left: MAX_SYMLINKS,
    };
    walk.run(access).map_err(|e| match e {
        WalkError::Escape(reason) => deny(&reason),
        WalkError::Io(io) => ToolError::failed(format!(
            "{}: cannot {} `{}`: {io}",
            ctx.describe(),
            access.verb(),
            path.escape_debug()
        )),
    })
}

/// Whether the normalised `path` lies under the normalised grant `grant` (by component).
fn within(path: &Path, grant: &Path) -> bool {
    if grant == Path::new(".") {
        return path.is_relative();
    }
    path.starts_with(grant)
}

/// Absolute spellings of the root an absolute symbolic link may use to point inside it:
/// the normalised grant and, where the platform can say, its canonical path.
fn root_aliases(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if root.is_absolute() {
        out.push(root.to_path_buf());
    }
    if let Ok(real) = std::fs::canonicalize(root) {
        if !out.contains(&real) {
            out.push(real);
        }
    }
    out
}

enum WalkError {
    /// Resolution would leave the root (E0907), with the reason.
    Escape(String),
    /// An I/O error (E0906).
    Io(std::io::Error),
}

/// The state of one walk beneath the root: a handle per directory level (so `..` returns to
/// the handle we came through, never to whatever is the parent by name now).
struct Walk {
    root: PathBuf,
    root_aliases: Vec<PathBuf>,
    dirs: Vec<OwnedFd>,
    queue: VecDeque<OsString>,
    links_left: u32,
}

impl Walk {
    fn run(mut self, access: Access) -> Result<OwnedFd, WalkError> {
        while let Some(name) = self.queue.pop_front() {
            if name == OsStr::new(".") {
                continue;
            }
            if name == OsStr::new("..") {
                if self.dirs.len() <= 1 {
                    return Err(WalkError::Escape(format!(
                        "a symbolic link leads above the granted directory `{}`",
                        self.root.display()
                    )));
                }
                self.dirs.pop();
                continue;
            }
            let last = self.queue.is_empty();
            let flags = if last { access.flags() } else { dir_flags() };
            let mode = Mode::from_raw_mode(0o666);
            let top = self
                .dirs
                .last()
                .ok_or_else(|| WalkError::Io(std::io::Error::other("no directory handle")))?;
            if !HOST_HONOURS_NOFOLLOW {
                // Look first: the host may follow a link whatever the flags say.
                if let Ok(target) = readlinkat(top, name.as_os_str(), Vec::new()) {
                    let target = PathBuf::from(bytes_to_os(target.into_bytes())?);
                    self.follow(&name, target)?;
                    continue;
                }
            }
            match open_component(top, &name, flags, mode, last && access == Access::Write) {
                Ok(fd) if last => return Ok(fd),
                Ok(fd) => {
                    if self.dirs.len() > MAX_DEPTH {
                        return Err(WalkError::Io(std::io::Error::other(format!(
                            "more than {MAX_DEPTH} nested directories"
                        ))));
                    }
                    self.dirs.push(fd);
                }
                Err(open_error) => match readlinkat(top, name.as_os_str(), Vec::new()) {
                    Ok(target) => {
                        let target = PathBuf::from(bytes_to_os(target.into_bytes())?);
                        self.follow(&name, target)?
                    }
                    Err(_) => return Err(open_error),
                },
            }
        }
        // The path ends at a directory we hold (the root itself, or after `.`/`..`).
        match access {
            Access::List => self
                .dirs
                .pop()
                .ok_or_else(|| WalkError::Io(std::io::Error::other("no directory handle"))),
            Access::Read | Access::Write => {
                Err(WalkError::Io(std::io::Error::other("it is a directory")))
            }
        }
    }

    /// Continues the walk through the symbolic link `name` whose target is `target`.
    fn follow(&mut self, name: &OsStr, target: PathBuf) -> Result<(), WalkError> {
        if self.links_left == 0 {
            return Err(WalkError::Io(std::io::Error::other(
                "too many levels of symbolic links",
            )));
        }
        self.links_left -= 1;
        if target.as_os_str().is_empty() {
            return Err(WalkError::Io(std::io::ErrorKind::NotFound.into()));
        }
        let mut parts: Vec<OsString> = Vec::new();
        if target.is_absolute() {
            let lexical = normalize_path(&target, None);
            let inside = lexical.as_ref().and_then(|t| {
                self.root_aliases
                    .iter()
                    .find_map(|alias| t.strip_prefix(alias).ok())
            });
            let Some(rest) = inside else {
                return Err(WalkError::Escape(format!(
                    "the symbolic link `{}` points to `{}`, outside the granted directory `{}`",
                    name.to_string_lossy(),
                    target.display(),
                    self.root.display()
                )));
            };
            parts.extend(rest.components().map(|c| c.as_os_str().to_owned()));
            // Walk the rest from the root handle.
            self.dirs.truncate(1);
        } else {
            for c in target.components() {
                match c {
                    Component::Normal(n) => parts.push(n.to_owned()),
                    Component::CurDir => parts.push(".".into()),
                    Component::ParentDir => parts.push("..".into()),
                    Component::RootDir | Component::Prefix(_) => {}
                }
            }
        }
        for part in parts.into_iter().rev() {
            self.queue.push_front(part);
        }
        Ok(())
    }
}

/// Opens one component (a single name) beneath `dir`: natively one `openat` with
/// `O_NOFOLLOW` (the kernel refuses a link, `ELOOP`, and the walk resolves it).
#[cfg(not(target_os = "wasi"))]
fn open_component(
    dir: &OwnedFd,
    name: &OsStr,
    flags: OFlags,
    mode: Mode,
    _write: bool,
) -> Result<OwnedFd, WalkError> {
    openat(dir, name, flags, mode).map_err(|e| WalkError::Io(e.into()))
}

/// Opens one component beneath `dir` under WASI, where the host may follow a link that was
/// swapped in after our `readlinkat` (see [`HOST_HONOURS_NOFOLLOW`]). So the opened handle
/// must be the very entry `name` is now (same device and inode, and not a link), else the
/// call fails. A file to write is never created or truncated through a name we have not
/// checked: an existing one is opened without `O_CREAT`/`O_TRUNC`, checked, then truncated;
/// a missing one is created with `O_CREAT | O_EXCL`, which never follows a link.
#[cfg(target_os = "wasi")]
fn open_component(
    dir: &OwnedFd,
    name: &OsStr,
    flags: OFlags,
    mode: Mode,
    write: bool,
) -> Result<OwnedFd, WalkError> {
    use rustix::io::Errno;
    let io = |e: Errno| WalkError::Io(e.into());
    if !write {
        let fd = openat(dir, name, flags, mode).map_err(io)?;
        same_entry(dir, name, &fd)?;
        return Ok(fd);
    }
    let existing = flags - OFlags::CREATE - OFlags::TRUNC;
    match openat(dir, name, existing, mode) {
        Ok(fd) => {
            same_entry(dir, name, &fd)?;
            let file = std::fs::File::from(fd);
            match file.set_len(0) {
                Ok(()) => Ok(file.into()),
                // Wasmtime gives a read-only handle when an existing file is opened through
                // a directory handle we opened ourselves, unless the open may create or
                // truncate (`EINVAL` on truncate). Reopen with `O_CREAT` (the file exists:
                // nothing is created, nothing truncated) and check that it is still the
                // entry we checked. Wasmtime honours "do not follow" (cap-std), so the name
                // cannot have been swapped for a link it would follow.
                Err(e) if e.raw_os_error() == Some(Errno::INVAL.raw_os_error()) => {
                    let again = openat(dir, name, existing | OFlags::CREATE, mode).map_err(io)?;
                    same_entry(dir, name, &again)?;
                    same_file(&file, &again)?;
                    let again = std::fs::File::from(again);
                    again.set_len(0).map_err(WalkError::Io)?;
                    Ok(again.into())
                }
                Err(e) => Err(WalkError::Io(e)),
            }
        }
        Err(Errno::NOENT) => {
            let fd = openat(dir, name, (flags - OFlags::TRUNC) | OFlags::EXCL, mode).map_err(io)?;
            same_entry(dir, name, &fd)?;
            Ok(fd)
        }
        Err(e) => Err(io(e)),
    }
}

/// Whether two handles are the same file (device and inode).
#[cfg(target_os = "wasi")]
fn same_file(a: &std::fs::File, b: &OwnedFd) -> Result<(), WalkError> {
    use rustix::fs::fstat;
    let io = |e: rustix::io::Errno| WalkError::Io(e.into());
    let (x, y) = (fstat(a).map_err(io)?, fstat(b).map_err(io)?);
    if x.st_dev != y.st_dev || x.st_ino != y.st_ino {
        return Err(WalkError::Io(std::io::Error::other(
            "the file changed while it was opened",
        )));
    }
    Ok(())
}

/// Whether `fd` is the entry `name` in `dir` names now (not a link, same device and inode).
#[cfg(target_os = "wasi")]
fn same_entry(dir: &OwnedFd, name: &OsStr, fd: &OwnedFd) -> Result<(), WalkError> {
    use rustix::fs::{fstat, statat, AtFlags, FileType};
    let io = |e: rustix::io::Errno| WalkError::Io(e.into());
    let opened = fstat(fd).map_err(io)?;
    let entry = statat(dir, name, AtFlags::SYMLINK_NOFOLLOW).map_err(io)?;
    if FileType::from_raw_mode(entry.st_mode) == FileType::Symlink {
        return Err(WalkError::Escape(format!(
            "`{}` became a symbolic link while it was opened",
            name.to_string_lossy()
        )));
    }
    if opened.st_dev != entry.st_dev || opened.st_ino != entry.st_ino {
        return Err(WalkError::Io(std::io::Error::other(format!(
            "`{}` changed while it was opened",
            name.to_string_lossy()
        ))));
    }
    Ok(())
}

/// Raw bytes from `readlinkat` as an OS string (on WASI, where OS strings are UTF-8 on
/// every target std supports stably, a target that is not UTF-8 cannot be walked).
fn bytes_to_os(bytes: Vec<u8>) -> Result<OsString, WalkError> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Ok(OsString::from_vec(bytes))
    }
    #[cfg(not(unix))]
    {
        String::from_utf8(bytes).map(OsString::from).map_err(|_| {
            WalkError::Io(std::io::Error::other(
                "a symbolic link's target is not UTF-8",
            ))
        })
    }
}
