"""A Python host for plugin.lm.md's component, through wasmtime-py (see README.md):

    lumen build --target wasm --wasm-target component plugin.lm.md --out-dir out
    pip install wasmtime
    python host.py out/plugin.wasm

The host supplies the plugin's one tool, `kb.lookup` (its product catalogue), as a Python
function, and WASI from wasmtime; then it checks four invoices and prints the plugin's
verdicts (the same lines as host.mjs).
"""

import sys
import tempfile
from pathlib import Path

from wasmtime import Engine, Store, WasiConfig
from wasmtime.component import Component, Linker, Record, Variant


def record(**fields):
    """A WIT record value: wasmtime-py reads its fields as attributes, with the WIT
    (kebab-case) names, so `unit_cents=` becomes the attribute `unit-cents`."""
    r = Record()
    for name, value in fields.items():
        setattr(r, name.replace("_", "-"), value)
    return r


#: The host's product catalogue (WIT `s64` is a Python int).
CATALOGUE = {
    "PEN-01": record(name="Ballpoint pen", price_cents=120, max_quantity=500),
    "PAD-A4": record(name="A4 notepad", price_cents=350, max_quantity=100),
    "INK-BK": record(name="Black ink cartridge", price_cents=1999, max_quantity=10),
}

lookups = 0


def lookup(_store, sku):
    """use tool kb.lookup as Lookup(sku: String) -> Product?  (option<product>: None = none)"""
    global lookups
    lookups += 1
    return CATALOGUE.get(sku)


def line(sku, quantity, unit_cents):
    return record(sku=sku, quantity=quantity, unit_cents=unit_cents)


INVOICES = [
    record(id="INV-1001", customer="Ada", lines=[line("PEN-01", 10, 120), line("PAD-A4", 4, 350)],
           total_cents=2600),
    record(id="INV-1002", customer="Grace",
           lines=[line("INK-BK", 12, 1899), line("TAPE-9", 1, 250), line("PEN-01", 0, 120)],
           total_cents=23000),
    record(id="INV-1003", customer="Edsger", lines=[], total_cents=0),
    record(id="INV-1004", customer="Barbara", lines=[line("PEN-01", 1, 120)] * 9, total_cents=1080),
]


def main(wasm):
    engine = Engine()
    linker = Linker(engine)
    linker.add_wasip2()
    with linker.root() as root:
        with root.add_instance("kb") as kb:
            kb.add_func("lookup", lookup)
    store = Store(engine)
    wasi = WasiConfig()  # no files, arguments or variables: the plugin sees only its tool
    out = tempfile.NamedTemporaryFile(prefix="plugin-", suffix=".out", delete=False)
    out.close()
    wasi.stdout_file = out.name  # what the program prints (it prints nothing here)
    store.set_wasi(wasi)
    instance = linker.instantiate(store, Component.from_file(engine, wasm))
    check = instance.get_func(store, "check")

    for invoice in INVOICES:
        # result<result<report, string>, lumen-error>: wasmtime-py tags the outer result
        # (Variant("ok" | "err", ...)) because both cases may be a Record; the inner one is
        # the bare payload, a report Record or the plugin's error string.
        verdict = check(store, invoice)
        if verdict.tag == "err":
            error = verdict.payload
            print(f"{invoice.id}: lumen error {error.code}: {error.message}")
        elif isinstance(verdict.payload, str):
            print(f"{invoice.id}: rejected: {verdict.payload}")
        else:
            report = verdict.payload
            n = len(report.problems)
            problems = "no problems" if n == 0 else f"{n} problem(s)"
            print(f"{report.invoice}: lines add up to {getattr(report, 'computed-cents')} cents, {problems}")
            for p in report.problems:
                print(f"  - {p}")
    print(f"catalogue look-ups: {lookups}")
    Path(out.name).unlink()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/plugin.wasm")
