"""Finding a matrix: the command line may name a file; customer data names ids only, found
inside the data folder and nowhere else."""
import shutil

import pytest

from generator.catalog import resolve_matrix
from generator.infra.diagnostics import InputError

from .conftest import DATA, S3


def refused(ref, data=DATA, lang="fr", **kw) -> str:
    with pytest.raises(InputError) as exc:
        resolve_matrix(ref, lang=lang, data_dir=data, **kw)
    assert exc.value.unreadable
    return exc.value.diagnostics[0].format()


def test_an_id_is_found_under_the_data_folder():
    assert resolve_matrix("s3-object-storage", lang="de", data_dir=DATA) == S3 / "de.yaml"
    assert resolve_matrix("s3-object-storage", lang=None, data_dir=DATA) == S3 / "fr.yaml"


@pytest.mark.parametrize("ref", [str(S3 / "fr.yaml"), "data/matrices/s3-object-storage/fr.yaml", "../x", "/etc/passwd",
                                 "S3-Object-Storage", "con", "x" * 129, "a\x00b", ""])
def test_customer_data_never_names_a_path(ref):
    assert "never a path" in refused(ref)


def test_the_command_line_may_name_a_file():
    assert resolve_matrix(str(S3 / "it.yaml"), lang=None, data_dir=DATA, allow_path=True) == S3 / "it.yaml"


@pytest.mark.parametrize("lang", ["xx", "../../../etc/passwd", "fr/../de"])
def test_a_language_is_a_code_never_a_path(lang):
    assert "has no" in refused("s3-object-storage", lang=lang)


def test_symbolic_links_may_stay_inside_but_not_leave(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(S3, data / "matrices" / "real")
    shutil.copytree(S3, tmp_path / "outside")
    (data / "matrices" / "alias").symlink_to(data / "matrices" / "real", target_is_directory=True)
    (data / "matrices" / "away").symlink_to(tmp_path / "outside", target_is_directory=True)
    assert resolve_matrix("alias", lang="fr", data_dir=data) == data / "matrices" / "real" / "fr.yaml"
    assert "through a symbolic link" in refused("away", data=data)
