"""Security review of the configuration and the source, as tests (SECURITY.md says what and why).

The source is read with Python's own parser, not grep, so `model.eval()` is not taken for eval()
and a string that mentions pickle is not taken for an import of it.
"""

import ast
import tomllib
from pathlib import Path

import pytest

from ui.lessons import ROOT

SOURCE_DIRS = ("app_pages", "ui", "core", "bench")
APP_FILES = sorted([ROOT / "app.py"] + [p for d in SOURCE_DIRS for p in (ROOT / d).rglob("*.py")])
RUNTIME_FILES = [p for p in APP_FILES if p.parent.name in ("app_pages", "ui") or p.name == "app.py"]
UNSAFE_MODULES = {"pickle", "cPickle", "dill", "marshal", "shelve", "joblib", "cloudpickle"}


def config() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_xsrf_protection_is_on_explicitly():
    assert config()["server"]["enableXsrfProtection"] is True


def test_cors_is_not_opened():
    assert config()["server"].get("enableCORS", True) is True  # Streamlit's default: same origin only


def test_uploads_are_capped():
    assert 1 <= config()["server"]["maxUploadSize"] <= 10  # MB; the pages check tighter limits themselves


def test_no_usage_statistics_leave_the_server():
    assert config()["browser"]["gatherUsageStats"] is False


def calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def dotted(node: ast.AST) -> str:
    """`torch.load` for torch.load(...), `eval` for eval(...), '' for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)  # '' for model.to(device).eval(): a method of an object, not eval
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def keyword(call: ast.Call, name: str):
    return next((k.value for k in call.keywords if k.arg == name), None)


def problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"imports {n}" for n in names if n.split(".")[0] in UNSAFE_MODULES]
    for call in calls(tree):
        name, line = dotted(call.func), f"{path.name}:{call.lineno}"
        if name in ("eval", "exec", "compile", "__import__", "builtins.eval", "builtins.exec"):
            found.append(f"{line} calls {name}()")
        if name.endswith("read_pickle") or name in ("numpy.load", "np.load") and keyword(call, "allow_pickle"):
            found.append(f"{line} unpickles with {name}()")
        if name == "torch.load":
            weights_only = keyword(call, "weights_only")
            if not (isinstance(weights_only, ast.Constant) and weights_only.value is True):
                found.append(f"{line} torch.load without weights_only=True")
        if name.endswith("yaml.load") and "Safe" not in ast.dump(call):
            found.append(f"{line} yaml.load without a safe loader")
        if keyword(call, "shell") is not None and ast.literal_eval(keyword(call, "shell")) is True:
            found.append(f"{line} runs a shell")
        allow = keyword(call, "unsafe_allow_html")
        if allow is not None and not (isinstance(allow, ast.Constant) and allow.value is False):
            text = call.args[0] if call.args else keyword(call, "body")
            if not (isinstance(text, ast.Constant) and isinstance(text.value, str)):
                found.append(f"{line} unsafe_allow_html with a text that is not our own constant string")
        if name in ("st.html", "html", "components.html", "st.components.v1.html", "components.v1.html"):
            text = call.args[0] if call.args else None
            if not (isinstance(text, ast.Constant) and isinstance(text.value, str)):
                found.append(f"{line} {name}() with a text that is not our own constant string")
    return found


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_eval_exec_pickle_or_unsafe_html(path):
    assert problems(path) == []


def test_the_scanner_finds_what_it_looks_for(tmp_path):
    """The scan above would fail on each of these (a check that cannot fail checks nothing)."""
    bad = tmp_path / "bad.py"
    lines = [
        "import pickle",
        "from joblib import load",
        "eval(text)",
        "exec(code)",
        "torch.load(path)",
        "torch.load(path, weights_only=False)",
        "st.markdown(text, unsafe_allow_html=True)",
        "st.markdown(f'<b>{name}</b>', unsafe_allow_html=True)",
        "st.html(user)",
        "np.load(f, allow_pickle=True)",
        "pd.read_pickle(f)",
        "subprocess.run(cmd, shell=True)",
    ]
    bad.write_text("\n".join(lines))
    assert len(problems(bad)) == len(lines)
    fine = tmp_path / "fine.py"
    fine.write_text(
        "model.eval()\nmodel.to(device).eval()\ntorch.load(p, weights_only=True)\n"
        "st.markdown('<br>', unsafe_allow_html=True)\nst.markdown(text)\nst.markdown(text, unsafe_allow_html=False)\n"
    )
    assert problems(fine) == []


def test_weights_are_loaded_only_from_safetensors():
    """Every file in models/ is safetensors, JSON or text; nothing that unpickles on load."""
    allowed = {".safetensors", ".json", ".md", ".txt"}
    files = [p for p in (ROOT / "models").rglob("*") if p.is_file()]
    assert files and all(p.suffix in allowed for p in files), [p.name for p in files if p.suffix not in allowed]
    # and they are read with safetensors' own loader (torch.load is checked above)
    readers = [
        p.name for p in APP_FILES if "safetensors" in p.read_text(encoding="utf-8") and "load_file" in p.read_text()
    ]
    assert {"gpt_train.py", "embeddings.py"} <= set(readers)
