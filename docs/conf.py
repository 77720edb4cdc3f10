"""Sphinx configuration for frontline's documentation."""

from importlib.metadata import version as _version

project = "frontline"
author = "frontline developers"
copyright = "2026, frontline developers"
release = _version("frontline")
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
]
autosummary_generate = True
numpydoc_show_class_members = False
myst_enable_extensions = ["colon_fence"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "geopandas": ("https://geopandas.org/en/stable", None),
    "shapely": ("https://shapely.readthedocs.io/en/stable", None),
    "pandas": ("https://pandas.pydata.org/docs", None),
    "pyproj": ("https://pyproj4.github.io/pyproj/stable", None),
}
html_theme = "pydata_sphinx_theme"
html_title = "frontline"
