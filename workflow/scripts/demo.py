"""Rule demo: generate the synthetic demo region and write it where config `inputs` points."""

from amurlink import demo, smk


def main(snakemake):
    config = snakemake.params.config
    landscape = demo.generate_demo(config)
    demo.write_demo(landscape, config, snakemake.params.truth_dir)


smk.run(main, snakemake)  # noqa: F821
