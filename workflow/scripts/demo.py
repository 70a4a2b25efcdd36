"""Rule demo: generate the synthetic demo region and write it where config `inputs` points."""

from pathlib import Path

from amurlink.apps import demo
from amurlink.core import smk


def main(snakemake):
    config = snakemake.params.config
    landscape = demo.generate_demo(config)
    truth_dir = Path(snakemake.output.truth[0]).parent
    demo.write_demo(landscape, config, truth_dir)


smk.run(main, globals().get("snakemake"))
