"""`iqnas lut --describe` from Python, without PyTorch (for import_tfnas.py)."""
import json
import subprocess


def describe(iqnas, space, arch=None):
    cmd = [iqnas, "lut", "--space", space, "--describe"] + (["--arch", arch] if arch else [])
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
