"""Run the benchmarks: `python -m bench` (all) or `python -m bench grid save`."""
import sys

from . import grid, phone, render, save, save_prod, school, secondary, secondary_chain, sign, trust, xml_step

BENCHES = {"grid": grid.run, "save": save.run, "render": render.run, "sign": sign.run, "phone": phone.run,
           "trust": trust.run, "secondary_grid": secondary.run_grid, "secondary_summary": secondary.run_summary,
           "secondary_chain": secondary_chain.run, "school": school.run, "save_prod": save_prod.run,
           "xml_step": xml_step.run}


def main(names):
    for name in names or BENCHES:
        if name not in BENCHES:
            sys.exit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHES)}")
        BENCHES[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
