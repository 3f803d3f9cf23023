"""Vietnamese labels of the contract's codes, for everything people read (defined once)."""

TITLE_NAMES: dict[str, str] = {
    "lao_dong_tien_tien": "Lao động tiên tiến",
    "chien_si_thi_dua_co_so": "Chiến sĩ thi đua cơ sở",
    "chien_si_thi_dua_tinh": "Chiến sĩ thi đua cấp tỉnh",
    "bang_khen_chu_tich_tinh": "Bằng khen của Chủ tịch UBND tỉnh",
    "tap_the_lao_dong_tien_tien": "Tập thể lao động tiên tiến",
    "tap_the_lao_dong_xuat_sac": "Tập thể lao động xuất sắc",
    "co_thi_dua_tinh": "Cờ thi đua của UBND tỉnh",
}
BANDS: tuple[str, ...] = ("Tốt", "Khá", "Trung bình", "Yếu")  # best first
