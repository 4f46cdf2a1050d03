import io
import struct
import subprocess
import sys
from datetime import date

import pytest

from bot.features.pulse.chart import TrendPoint, enps_chart, trend_chart
from bot.features.pulse.results import EnpsTally

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_enps_chart_is_a_png_of_sensible_size() -> None:
    data = enps_chart(EnpsTally(promoters=12, passives=5, detractors=3), title="Would you refer a friend?")
    width, height = _png_size(data)
    assert 300 <= width <= 2000 and 150 <= height <= 1500
    assert 2_000 < len(data) < 500_000
    assert data.endswith(b"IEND\xaeB`\x82")


def test_enps_chart_differs_with_the_numbers() -> None:
    assert enps_chart(EnpsTally(10, 0, 0)) != enps_chart(EnpsTally(0, 0, 10))


def test_enps_chart_without_responses_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one response"):
        enps_chart(EnpsTally())


def test_trend_chart_is_a_png_and_tolerates_hidden_runs() -> None:
    points = [
        TrendPoint(date(2026, 1, 5), 10),
        TrendPoint(date(2026, 2, 2), None),
        TrendPoint(date(2026, 3, 2), -4),
    ]
    width, height = _png_size(trend_chart(points))
    assert 300 <= width <= 2000 and 150 <= height <= 1500


def test_trend_chart_of_one_run_works_and_of_none_is_refused() -> None:
    _png_size(trend_chart([TrendPoint(date(2026, 1, 5), 33)]))
    with pytest.raises(ValueError, match="at least one run"):
        trend_chart([])


def test_charts_read_back_as_images() -> None:
    from matplotlib import image

    pixels = image.imread(io.BytesIO(enps_chart(EnpsTally(3, 3, 3))), format="png")
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100


def test_importing_the_chart_module_loads_no_matplotlib() -> None:
    probe = "import sys, bot.features.pulse.chart; print('matplotlib' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"
