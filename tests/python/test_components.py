"""issue 12 item 4: Lumen program components in a Python host (PyPI `wasmtime`).

Builds `tests/wasm/types/app.lm.md` and the plugins in `programs/` with `$LUMEN_BIN build
--target wasm --wasm-target component`, loads them with wasmtime-py's component API, gives
them WASI and their tools from Python, calls their typed exports, and confines several
untrusted plugins side by side (fuel, epoch deadlines, memory limits, their own tools).

    LUMEN_BIN=target/debug/lumen python -m unittest discover -s tests/python -v

(`cargo xtask test-wasm` runs it in a venv with `requirements.txt` installed.) The timings
are printed at the end.
"""

import json
import resource
import shutil
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

from wasmtime import Config, Engine, WasmtimeError
from wasmtime.component import Component, Variant

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lumen_host import (  # noqa: E402
    ROOT,
    LumenError,
    Plugin,
    build_component,
    fields,
    json_tools,
    record,
)

HERE = Path(__file__).resolve().parent
PROGRAMS = {
    "types": ROOT / "tests/wasm/types/app.lm.md",
    "notes": HERE / "programs/notes_plugin.lm.md",
    "kv": HERE / "programs/kv_plugin.lm.md",
}

#: What the tests measured (seconds), printed by tearDownModule.
TIMINGS = {}
#: Other measurements, printed as they are.
COUNTS = {}

#: Set up once: the built `.wasm` files and the engines with their compiled components.
OUT = None
WASM = {}
FUEL_ENGINE = None  # consume_fuel
EPOCH_ENGINE = None  # epoch_interruption
COMPILED = {}  # (engine name, program) -> Component


def setUpModule():
    global OUT, FUEL_ENGINE, EPOCH_ENGINE
    OUT = Path(tempfile.mkdtemp(prefix="lumen-py-"))
    for name, program in PROGRAMS.items():
        t = time.perf_counter()
        WASM[name] = build_component(program, OUT / name)
        TIMINGS[f"lumen build {name}"] = time.perf_counter() - t
    fuel = Config()
    fuel.consume_fuel = True
    FUEL_ENGINE = Engine(fuel)
    epoch = Config()
    epoch.epoch_interruption = True
    EPOCH_ENGINE = Engine(epoch)


def tearDownModule():
    if OUT is not None:
        shutil.rmtree(OUT, ignore_errors=True)
    print("\nissue 12 item 4 timings (wasmtime-py):", file=sys.stderr)
    for k, v in TIMINGS.items():
        print(f"  {k:<52} {v * 1000:10.2f} ms", file=sys.stderr)
    for k, v in COUNTS.items():
        print(f"  {k:<52} {v:>13,}", file=sys.stderr)


def component(program: str, engine_name: str = "fuel") -> Component:
    """The program's component compiled for one engine (once per engine)."""
    key = (engine_name, program)
    if key not in COMPILED:
        engine = FUEL_ENGINE if engine_name == "fuel" else EPOCH_ENGINE
        t = time.perf_counter()
        COMPILED[key] = Component.from_file(engine, str(WASM[program]))
        TIMINGS[f"compile {program} ({engine_name} engine)"] = time.perf_counter() - t
    return COMPILED[key]


#: Enough fuel for any ordinary call of these programs (a call costs 0.2-1 M).
FUEL = 200_000_000


def types_plugin(chat_log, host_log, chat=None, handlers=None):
    """`tests/wasm/types/app.lm.md` with `llm.chat` and the generic `host.call` in Python."""

    def default_chat(prompt, max_tokens):
        chat_log.append((prompt, max_tokens))
        return f"[{max_tokens} tokens] {prompt[:24]}"

    if handlers is None:
        handlers = {"text.shout": lambda args: args["text"].upper() + "!"}
    return Plugin(
        FUEL_ENGINE,
        component("types"),
        {
            "llm": {"chat": chat or default_chat},
            "host": {"call": json_tools(handlers, host_log)},
        },
        fuel=FUEL,
    )


class TypedExports(unittest.TestCase):
    """The types program: records, enums, lists, maps, results, options, tuples, tools."""

    def setUp(self):
        self.chats = []
        self.host_calls = []
        self.p = types_plugin(self.chats, self.host_calls)

    def test_issue12_item4_a_record_argument_and_result_cross_the_boundary(self):
        got = self.p.call("shift", record(x=1, y=2.5), 3)
        self.assertEqual(fields(got), {"x": 4, "y": 2.5})
        self.assertEqual(self.p.stdout, "shifting by 3\n")

    def test_issue12_item4_enums_are_variants_both_ways(self):
        self.assertEqual(self.p.call("area", Variant("circle", record(radius=2.0))), 12.0)
        self.assertEqual(self.p.call("area", Variant("rect", record(w=2.0, h=4.5))), 9.0)
        self.assertEqual(self.p.call("area", Variant("square", 3.0)), 9.0)
        self.assertEqual(self.p.call("area", Variant("empty")), 0.0)
        self.assertEqual(
            fields(self.p.call("shapes", 2)),
            [("circle", {"radius": 2.0}), ("square", 2.0), ("empty", None)],
        )

    def test_issue12_item4_results_options_lists_maps_and_tuples(self):
        # result<s64, string>: wasmtime-py gives the bare payload (int or str).
        self.assertEqual(self.p.call("divide", 7, 2), 3)
        self.assertEqual(self.p.call("divide", 1, 0), "division by zero")
        self.assertEqual(self.p.call("unwrap", 5), 5)
        self.assertEqual(self.p.call("unwrap", "bad"), -1)
        # list<s64>, map[String, Float] as list<tuple<string, f64>>, option<string>.
        self.assertEqual(self.p.call("total", [1, 2], [("a", 0.5)], None), "total: 3.5")
        self.assertEqual(self.p.call("total", [], [("a", 1.0), ("b", 2.0)], "sum"), "sum: 3.0")
        self.assertEqual(self.p.call("pair", (7, "seven")), ("seven", 7))
        self.assertEqual(self.p.call("big", 3), 3_000_000_000)
        self.assertEqual(self.p.call("delete", 4), 4)  # a WIT keyword as a name

    def test_issue12_item4_llm_chat_is_a_python_function(self):
        got = self.p.call("summarize", "a long text", 5)
        self.assertEqual(self.chats, [("summarize in 5 words: a long text", 16)])
        self.assertEqual(got, "[16 tokens] summarize in 5 words: a ")

    def test_issue12_item4_the_generic_host_call_carries_json(self):
        self.assertEqual(self.p.call("loud", "hi"), '"HI!"')
        self.assertEqual(self.host_calls, [("text.shout", {"text": "hi"})])

    def test_issue12_item4_a_tool_denied_by_its_grant_never_reaches_python(self):
        # `grant Shout max_calls 1`: the second call in one run is refused in the component.
        with self.assertRaises(LumenError) as cm:
            self.p.call("loud-twice", "hi")
        self.assertEqual(cm.exception.code, "E0907")
        self.assertIn("max_calls 1 exceeded", cm.exception.message)
        self.assertEqual(self.host_calls, [("text.shout", {"text": "hi"})])

    def test_issue12_item4_a_lumen_error_is_a_lumen_error_in_python(self):
        # result<s64, lumen-error>: wasmtime-py returns an int or the bare error record.
        with self.assertRaises(LumenError) as cm:
            self.p.call("fail", 0)
        self.assertEqual(cm.exception.code, "E0902")
        self.assertEqual(cm.exception.message, "division by zero")
        self.assertEqual(cm.exception.trace, ["fail (tests/wasm/types/app.lm.md:88:3)"])
        # An error value, not a trap: nothing printed, the same instance answers again.
        self.assertEqual(self.p.stderr, "")
        self.assertEqual(self.p.call("fail", 5), 2)

    def test_issue12_item4_a_tool_failure_reported_by_python_is_e0906(self):
        p = types_plugin([], self.host_calls, handlers={})  # no text.shout in this host
        with self.assertRaises(LumenError) as cm:
            p.call("loud", "hi")
        self.assertEqual(cm.exception.code, "E0906")
        self.assertIn("no tool text.shout in this host", cm.exception.message)

    def test_issue12_item4_a_python_exception_in_a_tool_reaches_the_caller(self):
        def broken(prompt, max_tokens):
            raise ValueError("the model is down")

        p = types_plugin([], [], chat=broken)
        with self.assertRaises(ValueError) as cm:
            p.call("summarize", "x", 1)
        self.assertEqual(str(cm.exception), "the model is down")

    def test_issue12_item4_a_wrong_argument_type_is_refused_before_the_call(self):
        with self.assertRaises(TypeError):
            self.p.call("shift", record(x="one", y=2.5), 3)
        self.assertEqual(self.p.call("shift", record(x=1, y=0.5), 1).x, 2)


def notes_tools(notes, log):
    """The notes plugin's tools over `notes` (path -> text), calls logged."""

    def read(path):
        log.append(("notes.read", path))
        return notes.get(path)

    def fetch(args):
        return {"url": args["url"], "status": 200}

    return {"notes": {"read": read}, "host": {"call": json_tools({"net.fetch": fetch}, log)}}


def kv_tools(data, log, refuse=()):
    """The kv plugin's tools over the dict `data`; `put` refuses keys in `refuse`."""

    def get(key):
        log.append(("kv.get", key))
        return data.get(key)

    def put(key, value):
        log.append(("kv.put", key))
        if key in refuse:
            return False
        data[key] = value
        return True

    return {"kv": {"get": get, "put": put}}


def import_names(comp: Component, engine: Engine):
    return set(comp.type.imports(engine))


class Plugins(unittest.TestCase):
    """Several untrusted programs side by side, each in its own Store, each confined."""

    def setUp(self):
        self.notes_log = []
        self.kv_log = []
        self.kv_data = {"a": "1", "b": "2"}
        self.notes = Plugin(
            FUEL_ENGINE,
            component("notes"),
            notes_tools({"public/today.txt": "three words here"}, self.notes_log),
            fuel=FUEL,
            memory=64 << 20,
        )
        self.kv = Plugin(
            FUEL_ENGINE,
            component("kv"),
            kv_tools(self.kv_data, self.kv_log, refuse={"locked"}),
            fuel=FUEL,
            memory=64 << 20,
        )

    def assert_both_work(self):
        self.assertEqual(self.kv.call("get", "a"), "1")
        self.assertEqual(self.notes.call("read", "public/today.txt").words, 3)

    def test_issue12_item4_each_plugin_imports_only_its_own_tools(self):
        notes = import_names(component("notes"), FUEL_ENGINE)
        kv = import_names(component("kv"), FUEL_ENGINE)
        self.assertEqual({n for n in notes if ":" not in n}, {"host", "notes"})
        self.assertEqual({n for n in kv if ":" not in n}, {"kv"})
        # WASI is all else they import; no wasi:sockets or wasi:http.
        for n in notes | kv:
            if ":" in n:
                self.assertTrue(n.startswith(("wasi:cli/", "wasi:io/", "wasi:clocks/",
                                              "wasi:filesystem/", "wasi:random/")), n)
        # A host that does not give a plugin its tools cannot instantiate it at all.
        with self.assertRaises(WasmtimeError) as cm:
            Plugin(FUEL_ENGINE, component("notes"), kv_tools({}, []))
        self.assertIn("host", str(cm.exception))

    def test_issue12_item4_plugins_side_by_side_see_only_their_own_data(self):
        note = self.notes.call("read", "public/today.txt")
        self.assertEqual(fields(note), {"path": "public/today.txt", "text": "three words here", "words": 3})
        self.assertEqual(self.notes.stdout, "read public/today.txt\n")
        self.assertEqual(self.kv.call("get", "a"), "1")
        self.assertIsNone(self.kv.call("get", "zzz"))
        self.assertEqual(self.kv.call("count", ["a", "b", "c"]), 2)
        self.assertEqual(
            fields(self.kv.call("put-all", [("c", "3"), ("locked", "x")])),
            [("stored", {"key": "c"}), ("refused", {"reason": "host refused locked"})],
        )
        self.assertEqual(self.kv_data, {"a": "1", "b": "2", "c": "3"})
        # Each host function saw only its own plugin's calls; output is per plugin.
        self.assertEqual(self.notes_log, [("notes.read", "public/today.txt")])
        self.assertTrue(all(name.startswith("kv.") for name, _ in self.kv_log))
        self.assertEqual(self.kv.stdout, "")

    def test_issue12_item4_grants_confine_a_plugin_before_python_is_called(self):
        # result<note, lumen-error>: both records, so wasmtime-py tags it (Variant).
        for path in ("../secret.txt", "public/../secret.txt", "private/today.txt"):
            with self.assertRaises(LumenError) as cm:
                self.notes.call("read", path)
            self.assertEqual(cm.exception.code, "E0907", path)
            self.assertIn("grant path denies", cm.exception.message)
        with self.assertRaises(LumenError) as cm:
            self.notes.call("fetch", "https://evil.example.org/steal")
        self.assertIn("grant domain denies host `evil.example.org`", cm.exception.message)
        self.assertEqual(json.loads(self.notes.call("fetch", "https://api.example.com/v1")),
                         {"status": 200, "url": "https://api.example.com/v1"})
        # Only the allowed fetch reached Python; the denied reads never did.
        self.assertEqual(self.notes_log, [("net.fetch", {"url": "https://api.example.com/v1"})])
        # max_calls 2 on kv.put: the third put in one call is refused in the component.
        with self.assertRaises(LumenError) as cm:
            self.kv.call("put-all", [("x", "1"), ("y", "2"), ("z", "3")])
        self.assertEqual(cm.exception.code, "E0907")
        self.assertEqual([k for n, k in self.kv_log if n == "kv.put"], ["x", "y"])

    def test_issue12_item4_fuel_stops_a_runaway_plugin_and_the_others_keep_working(self):
        t = time.perf_counter()
        with self.assertRaises(WasmtimeError) as cm:
            self.notes.call("spin")
        TIMINGS["spin stopped by fuel (200M)"] = time.perf_counter() - t
        self.assertIn("all fuel consumed", str(cm.exception))
        self.assertNotIsInstance(cm.exception, LumenError)
        self.assertEqual(self.notes.store.get_fuel(), 0)
        # The other plugin, in its own Store, is untouched.
        self.assertEqual(self.kv.call("count", ["a", "b"]), 2)
        # The trapped instance cannot be entered again; a fresh one works.
        with self.assertRaises(WasmtimeError) as cm:
            self.notes.call("read", "public/today.txt")
        self.assertIn("cannot enter component instance", str(cm.exception))
        self.notes.restart()
        self.assert_both_work()

    def test_issue12_item4_an_epoch_deadline_stops_a_runaway_plugin_while_others_run(self):
        stop = threading.Event()

        def ticker():  # one epoch tick every 10 ms
            while not stop.wait(0.01):
                EPOCH_ENGINE.increment_epoch()

        spinner = Plugin(EPOCH_ENGINE, component("notes", "epoch"),
                         notes_tools({}, []), epoch_ticks=20)
        kv = Plugin(EPOCH_ENGINE, component("kv", "epoch"), kv_tools({"a": "1"}, []),
                    epoch_ticks=10_000)
        outcome = {}

        def spin():
            t = time.perf_counter()
            try:
                spinner.call("spin")
            except WasmtimeError as e:
                outcome["error"] = str(e)
            outcome["seconds"] = time.perf_counter() - t

        threading.Thread(target=ticker, daemon=True).start()
        try:
            runner = threading.Thread(target=spin)
            runner.start()
            calls = 0
            # The host thread keeps calling the other plugin while the runaway spins.
            while runner.is_alive():
                self.assertEqual(kv.call("count", ["a", "b"]), 1)
                calls += 1
            runner.join()
        finally:
            stop.set()
        self.assertIn("interrupt", outcome.get("error", ""))
        self.assertGreater(calls, 0)
        TIMINGS["spin stopped by epoch (20 ticks of 10 ms)"] = outcome["seconds"]
        COUNTS["calls of another plugin during that spin"] = calls
        spinner.restart()
        self.assertEqual(spinner.call("deep", 3), 3)

    def test_issue12_item4_a_memory_limit_stops_a_plugin_that_allocates_without_bound(self):
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with self.assertRaises(WasmtimeError) as cm:
            self.notes.call("hog", 1)
        self.assertIn("unreachable", str(cm.exception))
        self.assertIn("memory allocation of 1048576 bytes failed", self.notes.stderr)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # The limit (64 MiB) held: the process grew by less than twice that (KiB).
        self.assertLess(rss_after - rss_before, 128 * 1024)
        self.assertEqual(self.kv.call("get", "b"), "2")
        self.notes.restart()
        self.assert_both_work()

    def test_issue12_item4_deep_recursion_is_a_lumen_error_not_a_host_crash(self):
        self.assertEqual(self.notes.call("deep", 5000), 5000)
        with self.assertRaises(LumenError) as cm:
            self.notes.call("deep", 1_000_000)
        self.assertEqual(cm.exception.code, "E0909")
        # The kept frames (100 innermost, 20 outermost) and the gap between them.
        trace = cm.exception.trace
        self.assertEqual(len(trace), 121, trace[:3])
        self.assertRegex(trace[100], r"^\u2026 [\d,]+ more frames$")
        self.assertTrue(all(t.startswith("deep (") for i, t in enumerate(trace) if i != 100), trace[:3])
        self.assert_both_work()  # the same instance

    def test_issue12_item4_many_plugins_each_with_its_own_data_and_limits(self):
        plugins = [
            Plugin(FUEL_ENGINE, component("notes"),
                   notes_tools({"public/me.txt": " ".join(["w"] * (i + 1))}, []),
                   fuel=FUEL, memory=32 << 20)
            for i in range(8)
        ]
        plugins[3].fuel = 5_000_000  # one plugin with a tight budget runs away
        with self.assertRaises(WasmtimeError):
            plugins[3].call("spin")
        for round_ in range(3):
            for i, p in enumerate(plugins):
                if i == 3:
                    continue
                self.assertEqual(p.call("read", "public/me.txt").words, i + 1)
        plugins[3].restart()
        self.assertEqual(plugins[3].call("read", "public/me.txt").words, 4)


def rss_bytes() -> int:
    """The process's resident memory now (Linux `/proc/self/statm`)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


class LongRunning(unittest.TestCase):
    def test_issue12_item4_many_calls_and_errors_in_one_instance_keep_memory_flat(self):
        p = types_plugin([], [])
        for _ in range(500):  # warm up: the program decoded, the allocator settled
            p.call("shift", record(x=1, y=1.0), 1)
        before = rss_bytes()
        for i in range(5000):
            self.assertEqual(p.call("shift", record(x=i, y=1.0), 1).x, i + 1)
            with self.assertRaises(LumenError):
                p.call("fail", 0)
            self.assertEqual(p.call("total", [i], [("w", 1.0)], None), f"total: {i + 1.0}")
        grown = rss_bytes() - before
        COUNTS["RSS growth over 15,000 calls in one instance (bytes)"] = grown
        # Each call's allocations are freed by its cabi_post_*; a leak of even 1 KiB a
        # call would be 15 MB.
        self.assertLess(grown, 8 << 20)


class Timings(unittest.TestCase):
    def test_issue12_item4_timings_instantiate_and_call(self):
        comp = component("kv")
        n = 50
        t = time.perf_counter()
        for _ in range(n):
            p = Plugin(FUEL_ENGINE, comp, kv_tools({"a": "1"}, []), fuel=FUEL)
        TIMINGS["linker + store + instantiate (avg of 50)"] = (time.perf_counter() - t) / n
        t = time.perf_counter()
        self.assertEqual(p.call("get", "a"), "1")
        TIMINGS["first call (decodes the program)"] = time.perf_counter() - t
        n = 2000
        t = time.perf_counter()
        for _ in range(n):
            p.call("count", ["a", "b"])
        TIMINGS["call count([a, b]) (avg of 2000, 2 tool calls)"] = (time.perf_counter() - t) / n
        before = p.store.get_fuel()
        p.fuel = None
        p.call("count", ["a", "b"])
        COUNTS["fuel of one count([a, b]) call"] = before - p.store.get_fuel()


if __name__ == "__main__":
    unittest.main()
