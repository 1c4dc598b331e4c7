"""The files most like a DAG id are loaded first when `dagyard run` has to search by loading."""

from __future__ import annotations

from dagyard.parsing.dag_lookup import likeliest_first


def test_the_file_named_after_the_id_comes_first_then_the_one_with_most_of_its_words(tmp_path):
    files = {
        "a_unrelated.py": "x = 1\n",
        "b_one_word.py": "STOCK = 'stock'\n",
        "c_two_words.py": "for team in TEAMS: DAG(f'{team}_daily_load')  # sales\n",
        "stock_daily_load.py": "DAG(Path(__file__).stem)\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    ordered = likeliest_first([tmp_path / name for name in sorted(files)], "stock_daily_load")
    assert [path.name for path in ordered] == [
        "stock_daily_load.py",
        "c_two_words.py",
        "b_one_word.py",
        "a_unrelated.py",
    ]
