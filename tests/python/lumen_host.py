"""A small Python host for Lumen program components (issue 12 item 4).

Everything a host needs is here, on top of the PyPI `wasmtime` package's component API
(`wasmtime.component`): building a program with `lumen build --wasm-target component`,
one confined `Plugin` per untrusted program (its own Store, WASI context and tools), Lumen
errors as `LumenError`, and the tool helpers. `test_components.py` uses it.
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from wasmtime import Engine, Store, WasiConfig, WasmtimeError
from wasmtime.component import Component, Linker, Record, RecordType, ResultType, Variant

ROOT = Path(__file__).resolve().parents[2]

#: A tool function: called with the WIT arguments of its import, returns its WIT result.
Tool = Callable[..., Any]


def lumen_bin() -> str:
    """The `lumen` that builds components: `LUMEN_BIN`, which must have the `build`
    feature (`cargo xtask test-wasm` passes the dev `lumen`)."""
    exe = os.environ.get("LUMEN_BIN", "")
    if not exe or not Path(exe).is_file():
        raise RuntimeError(
            "LUMEN_BIN must name a `lumen` built with the `build` feature "
            f"(got {exe!r}); `cargo xtask test-wasm` sets it"
        )
    return exe


def build_component(program: Path, out_dir: Path) -> Path:
    """`lumen build --target wasm --wasm-target component PROGRAM --out-dir OUT_DIR`, run
    from the repository root (so error locations read `tests/python/programs/...`);
    returns `OUT_DIR/<name>.wasm`. `LUMEN_BUILD_RELEASE=1` adds `--release`."""
    cmd = [
        lumen_bin(),
        "build",
        "--target",
        "wasm",
        "--wasm-target",
        "component",
        os.path.relpath(program, ROOT),
        "--out-dir",
        str(out_dir),
    ]
    if os.environ.get("LUMEN_BUILD_RELEASE") == "1":
        cmd.append("--release")
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}{done.stderr}")
    name = Path(program).name.removesuffix(".lm.md")
    wasm = out_dir / f"{name}.wasm"
    if not wasm.is_file() or not (out_dir / f"{name}.wit").is_file():
        raise RuntimeError(f"{' '.join(cmd)} wrote no {wasm} and .wit")
    return wasm


class LumenError(Exception):
    """A Lumen run-time error in an exported cell: `code` (`E0902`), `message` (what
    `lumen run` prints after `error[CODE]: `), `trace` (the Lumen locations)."""

    def __init__(self, code: str, message: str, trace: List[str]):
        super().__init__(f"error[{code}]: {message}")
        self.code = code
        self.message = message
        self.trace = trace


def _is_lumen_error_type(ty: Any) -> bool:
    """Whether `ty` is the `lumen-error` record of a wrapped export's result."""
    return isinstance(ty, RecordType) and [n for n, _ in ty.fields] == [
        "code",
        "message",
        "trace",
    ]


def unwrap(result_type: Any, value: Any) -> Any:
    """The cell's own value from an export's result: raises `LumenError` for the error
    case of a `result<T, lumen-error>` export; anything else is returned as it is.

    wasmtime-py represents a `result<T, E>` as a `Variant('ok'|'err', payload)` only when
    the Python classes of `T` and `E` overlap ("tagged"); otherwise it returns the bare
    payload, and the class says which case it is (`int` for `ok`, a `Record` for a
    `lumen-error`)."""
    if not (isinstance(result_type, ResultType) and _is_lumen_error_type(result_type.err)):
        return value
    if result_type._tagged():  # wasmtime-py's own rule, see above
        if value.tag == "ok":
            return value.payload
        err = value.payload
    elif isinstance(value, Record):
        err = value
    else:
        return value
    raise LumenError(err.code, err.message, list(err.trace))


def record(**fields: Any) -> Record:
    """A WIT record value: wasmtime-py reads the fields as attributes."""
    r = Record()
    for k, v in fields.items():
        setattr(r, k, v)
    return r


def fields(value: Any) -> Any:
    """A value with every `Record` turned into a dict and every `Variant` into
    `(tag, payload)`, for comparisons."""
    if isinstance(value, Record):
        return {k: fields(v) for k, v in vars(value).items()}
    if isinstance(value, Variant):
        return (value.tag, fields(value.payload))
    if isinstance(value, list):
        return [fields(v) for v in value]
    if isinstance(value, tuple):
        return tuple(fields(v) for v in value)
    return value


def json_tools(handlers: Dict[str, Callable[[dict], Any]], log: list) -> Tool:
    """The generic `host.call(name, args) -> result<string, string>` import over Python
    handlers by qualified tool name: each gets the arguments as a dict and returns a
    JSON-able value; an unknown name or a raised exception is the `err` case (a tool
    failure, E0906 in the program). Every call is appended to `log` as `(name, args)`."""

    def call(name: str, args: str) -> Variant:
        parsed = json.loads(args)
        log.append((name, parsed))
        handler = handlers.get(name)
        if handler is None:
            return Variant("err", f"no tool {name} in this host")
        try:
            return Variant("ok", json.dumps(handler(parsed)))
        except Exception as e:  # the tool's failure, reported to the program
            return Variant("err", str(e))

    return call


class Plugin:
    """One untrusted program: a component instance in its own `Store`.

    - `tools`: `{interface: {function: python_fn}}`, the only imports it gets besides WASI
      (one Linker per plugin, so no plugin can reach another's functions);
    - WASI: its own `WasiConfig` with no preopened directory, no arguments or environment
      variables, standard output and error captured in files of its own (`stdout`,
      `stderr`);
    - `fuel` (instructions per call, the engine needs `consume_fuel`), `epoch_ticks` (the
      deadline in epoch ticks per call, the engine needs `epoch_interruption`) and
      `memory` (bytes of linear memory, `Store.set_limits`).

    A Lumen run-time error is a value (`result<T, lumen-error>`, raised here as
    `LumenError`) and the instance stays usable. A trap (the host's fuel, epoch or memory
    limit) leaves it unusable — the component model forbids entering it again — so
    `restart()` instantiates afresh in a new Store."""

    def __init__(
        self,
        engine: Engine,
        component: Component,
        tools: Dict[str, Dict[str, Tool]],
        fuel: Optional[int] = None,
        epoch_ticks: Optional[int] = None,
        memory: Optional[int] = None,
    ):
        self.engine = engine
        self.component = component
        self.fuel = fuel
        self.epoch_ticks = epoch_ticks
        self.memory = memory
        # Where its standard output and error go (removed with the plugin).
        self._dir = tempfile.TemporaryDirectory(prefix="lumen-plugin-")
        self.linker = Linker(engine)
        self.linker.add_wasip2()
        with self.linker.root() as root:
            for iface, funcs in tools.items():
                with root.add_instance(iface) as inst:
                    for fname, fn in funcs.items():
                        inst.add_func(fname, _drop_store(fn))
        self.restart()

    def restart(self) -> None:
        """A fresh instance in a fresh Store (and fresh captured output)."""
        store = Store(self.engine)
        wasi = WasiConfig()
        # Files, not `stdout_custom` callbacks: with a Python callback, Wasmtime's WASI
        # worker thread panics (and sometimes crashes the process) at interpreter exit.
        wasi.stdout_file = self._path("stdout")
        wasi.stderr_file = self._path("stderr")
        # Always: without a WASI context, wasmtime-py 50.0.1 panics inside its C API
        # (crates/c-api/src/store.rs) at the first WASI call and aborts the process.
        store.set_wasi(wasi)
        if self.memory is not None:
            store.set_limits(memory_size=self.memory)
        # Instantiation runs wasm too (the WASI adapter's start-up): under the same limits.
        if self.fuel is not None:
            store.set_fuel(self.fuel)
        if self.epoch_ticks is not None:
            store.set_epoch_deadline(self.epoch_ticks)
        self.store = store
        self.instance = self.linker.instantiate(store, self.component)

    def _path(self, name: str) -> str:
        return os.path.join(self._dir.name, name)

    @property
    def stdout(self) -> str:
        """What the current instance printed."""
        with open(self._path("stdout"), encoding="utf-8", errors="replace") as f:
            return f.read()

    @property
    def stderr(self) -> str:
        """What the current instance wrote on standard error."""
        with open(self._path("stderr"), encoding="utf-8", errors="replace") as f:
            return f.read()

    def call(self, name: str, *args: Any) -> Any:
        """Calls export `name` under the plugin's limits. Returns the cell's value; raises
        `LumenError` for a Lumen run-time error and `WasmtimeError` for a trap (fuel,
        epoch, memory)."""
        func = self.instance.get_func(self.store, name)
        if func is None:
            raise KeyError(f"no export {name}")
        if self.fuel is not None:
            self.store.set_fuel(self.fuel)
        if self.epoch_ticks is not None:
            self.store.set_epoch_deadline(self.epoch_ticks)
        value = func(self.store, *args)
        return unwrap(func.type(self.store).result, value)


def _drop_store(fn: Tool) -> Callable[..., Any]:
    """wasmtime-py passes the store first; the tools here do not need it."""
    return lambda _store, *args: fn(*args)
