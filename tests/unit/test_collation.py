"""Vietnamese class-list order (ICU `vi`): by given name, then the rest, letters in Vietnamese order."""
import pytest

from portal.services.system.collation import name_key, sort_people


class P:
    def __init__(self, full_name):
        self.full_name = full_name


@pytest.mark.parametrize("names, expected", [
    (["Trần An", "Lê Ân", "Phạm Ăn"], ["Trần An", "Phạm Ăn", "Lê Ân"]),  # a < ă < â
    (["Lê Đức", "Lê Dũng"], ["Lê Dũng", "Lê Đức"]),  # d < đ
    (["Hà Ơn", "Hà Ôn", "Hà On"], ["Hà On", "Hà Ôn", "Hà Ơn"]),  # o < ô < ơ
    (["Lý Ưng", "Lý Uy"], ["Lý Uy", "Lý Ưng"]),  # u < ư
    (["Nguyễn Văn Bình", "Trần Thị An"], ["Trần Thị An", "Nguyễn Văn Bình"]),  # given name first
    (["Trần Hiếu", "Hà Đăng Hiếu"], ["Hà Đăng Hiếu", "Trần Hiếu"]),  # same given name: the rest
    (["Lê Ánh", "Lê Anh", "Lê Àng"], ["Lê Àng", "Lê Anh", "Lê Ánh"]),  # a tone never outweighs a letter
], ids=["a-ă-â", "d-đ", "o-ô-ơ", "u-ư", "given-first", "then-rest", "tones-secondary"])
def test_vietnamese_order(names, expected):
    assert [p.full_name for p in sort_people([P(n) for n in names])] == expected


def test_nfd_input_sorts_like_nfc():
    import unicodedata
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert name_key(nfd) == name_key("Nguyễn Thị Ánh")
