"""The public surface of the package: every public name of every module is in its ``__all__`` and
in its type stub, every stubbed class has the members the runtime class has, and every engine
service is reachable from an Engine."""

import ast
import enum
import importlib
import inspect
import pathlib
import types

import pytest

import cairn

PACKAGE = pathlib.Path(cairn.__file__).resolve().parent
MODULES = ["cairn", "cairn.access", "cairn.audit", "cairn.auth", "cairn.board", "cairn.content",
           "cairn.crypto", "cairn.encoding", "cairn.errors", "cairn.jobs", "cairn.records",
           "cairn.secrets"]


def stub_path(name):
    leaf = "__init__" if name == "cairn" else name.split(".")[-1]
    return PACKAGE / f"{leaf}.pyi"


def stub_names(tree):
    """Top-level names a stub declares, and the member names of each class it declares."""
    names, members = set(), {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            declared = set()
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    declared.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    declared.add(item.target.id)
                elif isinstance(item, ast.Assign):
                    declared.update(t.id for t in item.targets if isinstance(t, ast.Name))
            members[node.name] = declared
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(a.asname for a in node.names if a.asname)
    return names, members


def public_names(module):
    """Names a user may take from the module: not private, not a module imported for the
    module's own use (cairn's own submodules count)."""
    out = set()
    for name, value in vars(module).items():
        if name.startswith("_") and name != "__version__":
            continue
        if name in ("annotations",):
            continue
        if isinstance(value, types.ModuleType) and not value.__name__.startswith("cairn."):
            continue
        if name == "__version__" or not name.startswith("__"):
            out.add(name)
    return out


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_is_in_all_and_in_the_stub(name):
    module = importlib.import_module(name)
    exported = set(module.__all__)
    assert len(exported) == len(module.__all__), "a name is listed twice"
    assert public_names(module) - exported == set()
    assert {n for n in exported if not hasattr(module, n)} == set()
    declared, _ = stub_names(ast.parse(stub_path(name).read_text()))
    assert exported - declared == set()


@pytest.mark.parametrize("name", MODULES)
def test_every_stubbed_class_declares_the_runtime_members(name):
    module = importlib.import_module(name)
    _, members = stub_names(ast.parse(stub_path(name).read_text()))
    for class_name, declared in members.items():
        runtime = getattr(module, class_name, None)
        if not inspect.isclass(runtime) or issubclass(runtime, (BaseException, enum.Enum)):
            continue
        public = {m for m in dir(runtime) if not m.startswith("_")}
        assert public - declared == set(), f"{name}.{class_name}"


def test_the_core_stub_declares_the_engine_members():
    _, members = stub_names(ast.parse((PACKAGE / "_core.pyi").read_text()))
    for class_name in ("Engine", "FakeEnv"):
        runtime = getattr(cairn._core, class_name)
        public = {m for m in dir(runtime) if not m.startswith("_")}
        assert public - members[class_name] == set(), class_name


def test_every_engine_service_is_reachable(engine):
    assert isinstance(engine.access, cairn.access.AccessService)
    assert isinstance(engine.audit, cairn.audit.AuditLog)
    assert isinstance(engine.auth, cairn.auth.AuthService)
    assert isinstance(engine.board, cairn.board.BoardService)
    assert isinstance(engine.jobs, cairn.jobs.Scheduler)
    assert isinstance(engine.records, cairn.records.RecordsService)
    with pytest.raises(cairn.FailedPreconditionError) as info:
        engine.secrets
    assert info.value.reason == "SECRETS_MASTER_KEY_MISSING"


def test_every_service_follows_the_engine_lifetime():
    engine = cairn.open("memory:", master_key=bytes(32))
    services = [engine.access, engine.audit, engine.auth, engine.board, engine.jobs,
                engine.secrets, engine.records]
    calls = [lambda: services[0].policy("t"), lambda: services[1].size(),
             lambda: services[2].users(), lambda: services[3].projects(),
             lambda: services[4].get(1), lambda: services[5].orgs("ada@example.com"),
             lambda: services[6].collections()]
    engine.close()
    for call in calls:
        with pytest.raises(cairn.FailedPreconditionError) as info:
            call()
        assert info.value.reason == "ENGINE_CLOSED"
