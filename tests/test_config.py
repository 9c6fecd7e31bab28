"""Config and rule files are checked up front: a wrong type, an unknown key or a bad regex is
one line naming the file, the key and the problem, and the CLI exits 2 with no output."""

from __future__ import annotations

import dataclasses
import re
import typing

import pytest

from tests.conftest import ROOT
from zhclean.boilerplate_rules import SECTIONS, load_rules, read_rule_file
from zhclean.config import (
    _LAYOUT,
    _PLACE,
    Config,
    ConfigError,
    DedupConfig,
    check_config,
    config_from_dict,
    load_config,
)
from zhclean.pipeline import Pipeline
from zhclean.steps import REGISTRY


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(call) -> str:
    """The message of the ConfigError `call()` raises; it must be one line."""
    with pytest.raises(ConfigError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message, message
    return message


# --- config files ---------------------------------------------------------------------------

BAD_CONFIGS = [  # (TOML, the key as the message names it, the problem)
    ('[steps.script]\nthreshold = "high"', "[steps.script] threshold", 'expected a number, got string "high"'),
    ('[io]\nmax_chars = "10"', "[io] max_chars", 'expected an integer, got string "10"'),
    ('[engine]\nworkers = "two"', "[engine] workers", 'expected an integer, got string "two"'),
    ("[steps.pinyin_gloss]\nmin_glosses = 2.5", "[steps.pinyin_gloss] min_glosses",
     "expected an integer, got float 2.5"),
    ('[clean]\nsteps = "unicode"', "[clean] steps", 'expected a list of strings, got string "unicode"'),
    ('[clean]\nskip = ["markup", 3]', "[clean] skip", "expected a list of strings, got integer 3 in the list"),
    ('[clean]\nsteps = ["unicod"]', "[clean] steps", 'unknown step "unicod" (known: unicode, markup'),
    ('[clean]\nskip = ["nope"]', "[clean] skip", 'unknown step or filter "nope"'),
    ("[engine]\nworkers = true", "[engine] workers", "expected an integer, got boolean true"),  # bool is no int
    ("[engine]\nworkers = -1", "[engine] workers", "must be at least 0 (0 = all cores), got -1"),
    ('[engine]\nname = "rey"', "[engine] name", 'must be one of "local", "ray", got "rey"'),
    ("[engine]\nray_address = 1", "[engine] ray_address", "expected a string, got integer 1"),
    ("[io]\nmax_chars = 0", "[io] max_chars", "must be greater than 0, got 0"),
    ("[io]\nshard_size = -5", "[io] shard_size", "must be at least 0 (0 = one file), got -5"),
    ('[io]\ntext_field = ""', "[io] text_field", "must not be empty"),
    ("[io]\nmax_char = 10", "[io] max_char", "unknown key (known: text_field, id_field, max_chars, max_seconds, shard_size, shard_bytes, limit)"),
    ("[dedup]\nthreshold = 1.5", "[dedup] threshold", "must be in (0, 1], got 1.5"),
    ("[dedup]\nthreshold = 0", "[dedup] threshold", "must be in (0, 1], got 0.0"),
    ("[dedup]\nthreshold = nan", "[dedup] threshold", "expected a number, got float nan"),
    ("[dedup]\nngram = 0", "[dedup] ngram", "must be in [1, 8], got 0"),
    ("[dedup]\nngram = 9", "[dedup] ngram", "must be in [1, 8], got 9"),
    ("[dedup]\nnum_perm = 0", "[dedup] num_perm", "must be at least 1, got 0"),
    ('[dedup]\nkeep_all = "yes"', "[dedup] keep_all", 'expected true or false, got string "yes"'),
    ("[dedup]\nindex = 3", "[dedup] index", "expected a string, got integer 3"),
    ("[dedup]\nthreshhold = 0.9", "[dedup] threshhold", "unknown key"),
    ('[steps.script]\nmode = "simplfied"', "[steps.script] mode", 'must be one of "auto", "simplified"'),
    ("[steps.script]\ntraditional_share = 2", "[steps.script] traditional_share", "must be in [0, 1], got 2.0"),
    ("[steps.script]\nnope = 1", "[steps.script] nope", "unknown option (known: mode, threshold"),
    ("[steps.markup]\nstrip = true", "[steps.markup] strip", "unknown option (known: none)"),
    ("[steps.repeated_line]\nmin_han = -1", "[steps.repeated_line] min_han", "must be at least 0, got -1"),
    ("[steps.boilerplate]\nmax_line_chars = 0", "[steps.boilerplate] max_line_chars", "must be at least 1"),
    ('[steps.boilerplate]\nrules = "mine.toml"', "[steps.boilerplate] rules",
     'expected a list of strings, got string "mine.toml"'),
    ('[steps.unicode]\nrepair_mojibake = "no"', "[steps.unicode] repair_mojibake", "expected true or false"),
    ('[steps.scirpt]\nmode = "auto"', "[steps.scirpt]", "unknown step (known: unicode, markup"),
    ("[steps]\nscript = 1", "[steps] script", "expected a table [steps.script], got integer 1"),
    ("[enigne]\nworkers = 2", "[enigne]", "unknown section (known: clean, io, engine, steps, filters, dedup, corpus_lines)"),
    ("workers = 2", "workers", "unknown key at the top level (known sections: clean, io, engine"),
    ("io = 3", "io", "expected a table [io], got integer 3"),
]


@pytest.mark.parametrize(("toml", "key", "problem"), BAD_CONFIGS, ids=[b[1] + ":" + b[2][:20] for b in BAD_CONFIGS])
def test_a_bad_config_is_one_line_naming_file_key_and_problem(tmp_path, toml, key, problem):
    path = write(tmp_path, "zhclean.toml", toml)
    message = error_of(lambda: load_config(path))
    assert message.startswith(f"{path}: {key}: "), message
    assert problem in message


def test_a_config_error_is_a_value_error():
    """The CLI turns ValueError into one line and exit code 2."""
    assert issubclass(ConfigError, ValueError)


def test_several_unknown_keys_are_named_together(tmp_path):
    path = write(tmp_path, "zhclean.toml", "[dedup]\nfoo = 1\nbar = 2\n")
    assert error_of(lambda: load_config(path)) == (
        f"{path}: [dedup]: unknown keys foo, bar (known: threshold, ngram, num_perm, keep_all, index)")


def test_toml_syntax_errors_name_the_file_line_and_column(tmp_path):
    path = write(tmp_path, "zhclean.toml", "[io]\nmax_chars = = 1\n")
    message = error_of(lambda: load_config(path))
    assert message.startswith(f"{path}: TOML syntax error: ")
    assert "line 2, column" in message
    twice = write(tmp_path, "twice.toml", "[io]\n[io]\n")
    assert "line 2" in error_of(lambda: load_config(twice))


def test_missing_or_unreadable_config_files_are_one_line(tmp_path):
    assert error_of(lambda: load_config(tmp_path / "nope.toml")) == f"{tmp_path / 'nope.toml'}: config file not found"
    assert "is a folder" in error_of(lambda: load_config(tmp_path))
    latin = tmp_path / "latin.toml"
    latin.write_bytes("# caf\xe9\n".encode("latin-1"))
    assert "is not UTF-8 text" in error_of(lambda: load_config(latin))


def test_good_configs_pass():
    for config in (Config(), load_config(None), load_config(ROOT / "zhclean.toml")):
        check_config(config)
        Pipeline.from_config(config)
    example = load_config(ROOT / "zhclean.toml")
    assert example.workers == 0 and example.worker_count >= 1  # 0 stays valid: all cores
    assert example.ray_address is None  # "" in the file: start a local Ray
    assert example.dedup == DedupConfig()


def test_ints_are_numbers_and_lists_become_tuples(tmp_path):
    path = write(tmp_path, "zhclean.toml", '[steps.script]\nthreshold = 3\n[clean]\nskip = ["markup"]\n'
                                           '[steps.boilerplate]\nrules = []\n[dedup]\nthreshold = 1\n')
    config = load_config(path)
    assert config.step_options["script"]["threshold"] == 3.0
    assert isinstance(config.step_options["script"]["threshold"], float)
    assert config.skip == ("markup",)
    assert config.step_options["boilerplate"]["rules"] == ()
    assert config.dedup.threshold == 1.0
    check_config(config)


def test_every_config_field_has_a_place_in_the_toml_layout():
    """Every Config field is a key of some table (or is [steps.*] / [dedup] / [corpus_lines]);
    a new field needs a place there, or a config file cannot set it."""
    fields = {f.name for f in dataclasses.fields(Config)} - {"step_options", "filter_options", "dedup",
                                                            "corpus_lines"}
    assert set(_PLACE) == fields
    assert {name for keys in _LAYOUT.values() for name in keys.values()} == fields


def _wrong_value(annotation):
    """A value no annotation of a config field accepts: a table where a scalar or a list is
    expected, a string where a table is."""
    origin = typing.get_origin(annotation)
    return "x" if origin in (dict,) else {"a": 1}


@pytest.mark.parametrize("step", sorted(REGISTRY))
def test_every_step_option_is_type_checked_from_its_annotation(step):
    """No hand-kept list: each field of each step's options dataclass is checked."""
    options_type = REGISTRY[step].options_type
    hints = typing.get_type_hints(options_type)
    for f in dataclasses.fields(options_type):
        message = error_of(lambda f=f: config_from_dict({"steps": {step: {f.name: _wrong_value(hints[f.name])}}}, "c.toml"))
        assert message.startswith(f"c.toml: [steps.{step}] {f.name}: expected "), message
        REGISTRY[step].make_options({f.name: getattr(options_type(), f.name)})  # its default passes


def test_every_config_and_dedup_field_is_type_checked():
    for table, keys in _LAYOUT.items():
        for key in keys:
            message = error_of(lambda table=table, key=key: config_from_dict({table: {key: {"a": 1}}}, "c.toml"))
            assert message.startswith(f"c.toml: [{table}] {key}: expected "), message
    for f in dataclasses.fields(DedupConfig):
        message = error_of(lambda f=f: config_from_dict({"dedup": {f.name: {"a": 1}}}, "c.toml"))
        assert message.startswith(f"c.toml: [dedup] {f.name}: expected "), message


def test_make_options_checks_types_for_the_python_api_too():
    assert "[steps.script] threshold: expected a number" in error_of(
        lambda: Pipeline(step_options={"script": {"threshold": "high"}}))
    with pytest.raises(ValueError, match="unknown option"):
        Pipeline(step_options={"script": {"nope": 1}})


def test_max_ngram_is_what_the_shingle_hash_supports():
    pytest.importorskip("numpy")
    from zhclean.config import MAX_NGRAM
    from zhclean.dedup.canonical import _MULTIPLIERS

    assert len(_MULTIPLIERS) == MAX_NGRAM


def test_any_num_perm_bands():
    """optimal_bands takes any count of permutations: no multiple is required."""
    pytest.importorskip("rensa")
    from zhclean.dedup.minhash import optimal_bands

    for num_perm in (1, 7, 100, 128, 129):
        for threshold in (0.01, 0.5, 0.8, 1.0):
            bands, rows = optimal_bands(threshold, num_perm)
            assert 1 <= bands * rows <= num_perm


# --- overrides (the CLI's flags) --------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "message"), [
    ({"workers": -1}, "workers: must be at least 0 (0 = all cores), got -1"),
    ({"threshold": 1.5}, "threshold: must be in (0, 1], got 1.5"),
    ({"threshold": 0.0}, "threshold: must be in (0, 1], got 0.0"),
    ({"num_perm": 0}, "num_perm: must be at least 1, got 0"),
    ({"max_chars": 0}, "max_chars: must be greater than 0, got 0"),
    ({"shard_size": -1}, "shard_size: must be at least 0 (0 = one file), got -1"),
    ({"workers": "2"}, 'workers: expected an integer, got string "2"'),
    ({"keep_all": 1}, "keep_all: expected true or false, got integer 1"),
    ({"engine": "rey"}, 'engine: must be one of "local", "ray", got "rey"'),
    ({"steps": ["nope"]}, 'steps: unknown step "nope"'),
    ({"skip": ["unicode", "nope"]}, 'skip: unknown step or filter "nope"'),
    ({"script": "simplfied"}, '[steps.script] mode: must be one of "auto", "simplified"'),
    ({"rules": "mine.toml"}, 'rules: expected a list of strings, got string "mine.toml"'),
    ({"step_options": {"script": {"threshold": "high"}}}, "[steps.script] threshold: expected a number"),
    ({"nope": 1}, "unknown setting(s): nope"),
])
def test_overrides_are_checked(overrides, message):
    assert error_of(lambda: Config().with_overrides(**overrides)).startswith(message)


def test_good_overrides_pass():
    config = Config().with_overrides(workers=0, threshold=1, num_perm=7, steps=["unicode", "boilerplate"],
                                     skip=None, script="simplified", rules=["a.toml"], keep_all=True)
    assert config.workers == 0 and config.dedup.threshold == 1.0 and config.dedup.num_perm == 7
    assert config.steps == ("unicode", "boilerplate") and config.dedup.keep_all
    assert config.step_options == {"script": {"mode": "simplified"}, "boilerplate": {"rules": ("a.toml",)}}


def test_check_config_catches_what_python_callers_build():
    assert error_of(lambda: check_config(Config(workers=-2))).startswith("[engine] workers: must be at least 0")
    assert error_of(lambda: check_config(Config(steps=("nope",)))).startswith('[clean] steps: unknown step "nope"')
    assert error_of(lambda: check_config(Config(dedup=DedupConfig(threshold=2.0)))).startswith(
        "[dedup] threshold: must be in (0, 1]")
    assert error_of(lambda: check_config(Config(step_options={"script": {"threshold": "high"}}))).startswith(
        "[steps.script] threshold: expected a number")
    assert error_of(lambda: check_config(Config(step_options={"nope": {}}))).startswith(
        "[steps.nope]: unknown step")


# --- boilerplate rule files -------------------------------------------------------------------

NOTICE = '[[notice]]\nname = "{name}"\npatterns = [{patterns}]\n'

BAD_RULES = [  # (rule file, the entry and key as the message names them, the problem)
    ('[[notic]]\nname = "a"\npatterns = ["x"]\n', "[[notic]]", "unknown section (known: notice, field)"),
    ('[notice]\nname = "a"\npatterns = ["x"]\n', "[notice]", "each rule is an entry [[notice]], not a table"),
    ('notice = "x"\n', "notice", "expected entries [[notice]]"),
    (NOTICE.format(name="a", patterns="'x'") + NOTICE.format(name="b", patterns="'y'")
     + NOTICE.format(name="c", patterns="'(abc'"),
     '[[notice]] #3 "c" patterns #1', "bad regular expression: missing ), unterminated subpattern at position 0"),
    (NOTICE.format(name="a", patterns="'ok', 'a{2,1}'"), '[[notice]] #1 "a" patterns #2',
     "bad regular expression: min repeat greater than max repeat at position 2"),
    (NOTICE.format(name="a", patterns="'[声明'"), '[[notice]] #1 "a" patterns #1',
     "bad regular expression: unterminated character set at position 0"),
    (NOTICE.format(name="a", patterns="'(?s)a.b'"), '[[notice]] #1 "a" patterns #1',
     "bad regular expression once combined with the others: global flags not at the start"),
    (NOTICE.format(name="a", patterns=r"'(.)\1'"), '[[notice]] #1 "a" patterns #1', "numbered backreference"),
    (NOTICE.format(name="a", patterns="'(?P<x>.)(?P=x)'") + NOTICE.format(name="b", patterns="'(?P<x>b)'"),
     '[[notice]] #2 "b" patterns #1', "group name 'x' is also used by [[notice]] #1 \"a\" patterns #1"),
    ('[[notice]]\nname = "a"\npattern = ["x"]\n', '[[notice]] #1 "a" pattern',
     "unknown key (known: name, patterns, glued, source)"),
    ('[[notice]]\nname = "a"\n', '[[notice]] #1 "a"', "missing required key patterns"),
    ('[[notice]]\npatterns = ["x"]\n', "[[notice]] #1", "missing required key name"),
    ('[[notice]]\nname = "a"\npatterns = "x"\n', '[[notice]] #1 "a" patterns',
     'expected a list of strings, got string "x"'),
    ('[[notice]]\nname = "a"\npatterns = []\n', '[[notice]] #1 "a" patterns', "must not be empty"),
    ('[[notice]]\nname = "a"\npatterns = [""]\n', '[[notice]] #1 "a" patterns', "must not contain an empty string"),
    ('[[notice]]\nname = "a"\npatterns = ["x"]\nglued = "yes"\n', '[[notice]] #1 "a" glued',
     'expected true or false, got string "yes"'),
    ('[[notice]]\nname = 3\npatterns = ["x"]\n', "[[notice]] #1 name", "expected a string, got integer 3"),
    ('[[field]]\nname = "a"\nkeys = ["x"]\nmax_value_chars = 0\n', '[[field]] #1 "a" max_value_chars',
     "must be at least 1, got 0"),
    ('[[field]]\nname = "a"\nkeys = ["x"]\nmax_value_chars = "40"\n', '[[field]] #1 "a" max_value_chars',
     'expected an integer, got string "40"'),
    ('[[field]]\nname = "a"\nkeys = ["x"]\nreport = "no"\n', '[[field]] #1 "a" report', "expected true or false"),
    ('[[field]]\nname = "a"\nkeys = ["x"]\nglued = true\n', '[[field]] #1 "a" glued',
     "unknown key (known: name, keys, max_value_chars, report, names, digits, source)"),
    ('[[field]]\nname = "a"\n', '[[field]] #1 "a"', "missing required key keys"),
    ('[[field]]\nname = "a"\nkeys = [""]\n', '[[field]] #1 "a" keys', "must not contain an empty string"),
    ("[[notice]\n", "TOML syntax error", "(at line 1, column"),
]


@pytest.mark.parametrize(("toml", "where", "problem"), BAD_RULES, ids=[b[1] + ":" + b[2][:20] for b in BAD_RULES])
def test_a_bad_rule_file_is_one_line_naming_file_entry_and_problem(tmp_path, toml, where, problem):
    path = write(tmp_path, "rules.toml", toml)
    config = Config(step_options={"boilerplate": {"rules": (str(path),)}})
    for call in (lambda: check_config(config), lambda: load_rules((str(path),))):
        message = error_of(call)
        assert message.startswith(f"{path}: {where}"), message
        assert problem in message


def test_a_missing_rule_file_named_in_a_config_is_reported_by_check_config(tmp_path):
    path = write(tmp_path, "zhclean.toml", f'[steps.boilerplate]\nrules = ["{tmp_path / "nope.toml"}"]\n')
    config = load_config(path)  # the file's types are right; the rule file is checked here:
    assert error_of(lambda: check_config(config)) == f"{tmp_path / 'nope.toml'}: rules file not found"


def test_a_bad_rule_file_fails_in_the_step_too(tmp_path):
    """Workers load the rules through the same checks: the same line, not a traceback."""
    path = write(tmp_path, "rules.toml", NOTICE.format(name="a", patterns="'(abc'"))
    pipeline = Pipeline(steps=["boilerplate"], step_options={"boilerplate": {"rules": (str(path),)}})
    assert "bad regular expression" in error_of(lambda: pipeline.clean("正文。\n一行"))


def test_the_builtin_rules_pass():
    builtin = read_rule_file(None, check_patterns=True)  # processes skip these checks
    assert builtin.path == "zhclean/data/boilerplate.toml"
    assert builtin.notices and builtin.fields
    assert builtin == read_rule_file(None)
    assert set(SECTIONS) == {"notice", "field"}
    load_rules()
    check_config(Config(step_options={"boilerplate": {"builtin_rules": False}}))


def test_good_user_rules_pass_and_extend(tmp_path):
    path = write(tmp_path, "rules.toml", NOTICE.format(name="my_site", patterns="'(?i)本站广告位招租.{0,20}'")
                 + 'glued = true\nsource = "mine"\n'
                 + NOTICE.format(name="named", patterns="'(?P<x>哈)(?P=x)广告'")
                 + '[[field]]\nname = "photo"\nkeys = ["图片来源"]\nmax_value_chars = 20\nreport = false\n')
    config = Config(step_options={"boilerplate": {"rules": (str(path),)}})
    check_config(config)
    pipeline = Pipeline.from_config(config)
    assert pipeline.clean("正文。\n本站广告位招租，联系电话\n哈哈广告\n图片来源：网络").text == "正文。"


def test_rules_without_field_rules_do_not_break_the_step(tmp_path):
    """`builtin_rules = false` with a file of notices only (or an empty file): no key
    matches the empty string, and no line is taken for a field line."""
    notices = write(tmp_path, "notices.toml", NOTICE.format(name="ad", patterns="'广告.{0,5}'"))
    empty = write(tmp_path, "empty.toml", "")
    for path in (notices, empty):
        config = Config(steps=("boilerplate",), step_options={"boilerplate": {"rules": (str(path),), "builtin_rules": False}})
        check_config(config)
        pipeline = Pipeline.from_config(config)
        assert pipeline.clean("正文。\n：abc\n(：x)\n\n正文。").text == "正文。\n：abc\n(：x)\n\n正文。"
    assert Pipeline.from_config(config.with_overrides(rules=[str(notices)])).clean("正文。\n广告位").text == "正文。"


# --- the command line -------------------------------------------------------------------------

def _squashed(text: str) -> str:
    """Without whitespace: rich wraps long lines of stderr at the console width."""
    return re.sub(r"\s+", "", text)


def _only_inputs_left(tmp_path, *inputs) -> None:
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert left == sorted(p.name for p in inputs), left


@pytest.mark.parametrize("toml", [
    '[steps.script]\nthreshold = "high"\n',
    '[io]\nmax_chars = "10"\n',
    '[engine]\nworkers = "two"\n',
    "[steps.pinyin_gloss]\nmin_glosses = 2.5\n",
    '[clean]\nsteps = "unicode"\n',
    "[io]\nmax_chars = = 1\n",
])
def test_cli_exits_2_on_a_bad_config_and_writes_nothing(tmp_path, capsys, toml):
    from zhclean.cli import main

    src = write(tmp_path, "in.jsonl", '{"text": "正文。"}\n')
    bad = write(tmp_path, "bad.toml", toml)
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(src), "-o", str(out), "--config", str(bad), "--quiet", "--workers", "1"]) == 2
    stderr = _squashed(capsys.readouterr().err)
    assert "bad.toml:" in stderr and "Traceback" not in stderr
    _only_inputs_left(tmp_path, src, bad)


def test_cli_exits_2_on_a_bad_rule_file_and_writes_nothing(tmp_path, capsys):
    from zhclean.cli import main

    src = write(tmp_path, "in.jsonl", '{"text": "正文。"}\n')
    bad = write(tmp_path, "bad_rules.toml", NOTICE.format(name="a", patterns="'(abc'"))
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(src), "-o", str(out), "--rules", str(bad), "--quiet", "--workers", "1"]) == 2
    stderr = _squashed(capsys.readouterr().err)
    assert "bad_rules.toml:" in stderr and "badregularexpression" in stderr
    _only_inputs_left(tmp_path, src, bad)


@pytest.mark.parametrize("threshold", ["1.5", "-1"])
def test_dedup_exits_2_on_a_threshold_outside_0_1(tmp_path, capsys, threshold):
    from zhclean.cli import main

    src = write(tmp_path, "in.jsonl", '{"text": "正文。"}\n')
    assert main(["dedup", str(src), "-o", str(tmp_path / "out.jsonl"), "--quiet", "--threshold", threshold]) == 2
    assert "mustbein(0,1]" in _squashed(capsys.readouterr().err)
    _only_inputs_left(tmp_path, src)


@pytest.mark.parametrize("flags", [["--workers", "-1"], ["--max-chars", "0"], ["--shard-size", "-1"]])
def test_cli_exits_2_on_a_bad_flag_and_writes_nothing(tmp_path, capsys, flags):
    from zhclean.cli import main

    src = write(tmp_path, "in.jsonl", '{"text": "正文。"}\n')
    assert main(["clean", str(src), "-o", str(tmp_path / "out.jsonl"), "--quiet", *flags]) == 2
    assert re.search(r"mustbe(atleast|greaterthan)0", _squashed(capsys.readouterr().err))
    _only_inputs_left(tmp_path, src)


def test_step_options_and_shortcuts_override_together():
    config = Config().with_overrides(step_options={"script": {"threshold": 3}}, script="keep",
                                     dedup=DedupConfig(ngram=3), threshold=0.9)
    assert config.step_options == {"script": {"threshold": 3.0, "mode": "keep"}}
    assert config.dedup == DedupConfig(ngram=3, threshold=0.9)
    assert "dedup.ngram: must be in [1, 8]" in error_of(
        lambda: Config().with_overrides(dedup=DedupConfig(ngram=0)))


def test_corpus_lines_section_is_read_and_checked(tmp_path):
    path = tmp_path / "zhclean.toml"
    path.write_text("[corpus_lines]\nenabled = true\nmin_documents = 25\n", encoding="utf-8")
    config = load_config(path)
    assert config.corpus_lines.enabled and config.corpus_lines.min_documents == 25
    path.write_text("[corpus_lines]\nmin_documents = 1\n", encoding="utf-8")
    assert "[corpus_lines] min_documents" in error_of(lambda: load_config(path))
