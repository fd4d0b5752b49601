"""Spark for the tests: one local session, skipped (with the reason) only where Java is absent."""

from __future__ import annotations

import os
import shutil

import pytest

# This network forbids binding anything but loopback; set before any Spark JVM starts.
os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"

HAVE_JAVA = shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))

requires_java = pytest.mark.skipif(
    not HAVE_JAVA,
    reason="Spark needs Java 17: `java` is not on PATH (apt-get install openjdk-17-jre-headless)",
)


def start_spark():
    """A small local session (2 cores) configured by :func:`groundswell.engines.spark_session`."""
    from groundswell.engines import spark_session

    return spark_session("local[2]", "groundswell-tests")
