"""ranvier's version, in a module of its own so that any module can read it without importing the package."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ranvier")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
