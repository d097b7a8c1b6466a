"""A small CSV extract with every kind of bad row, and the refusals it must produce."""

from __future__ import annotations

from pathlib import Path

PATIENTS = """patient_id,birth_date,sex,diet
p1,1950-03-01,female,vegan
p2,1980-01-01,M,
p3,2030-01-01,male,
p4,2015-01-01,male,
p5,1970-01-01,male,omnivore
p5,1970-01-01,male,omnivore
p6,1970-01-01,male,
p6,1971-01-01,male,
,1970-01-01,female,
p7,1960-05-05,female,carnivore
"""
OBSERVATIONS = """patient_id,code,value,unit,date
p1,14685-2,300,pmol/L,2026-01-01
p1,14685-2,300,pmol/L,2026-01-01
p1,14685-2,300,mg/dL,2026-02-01
p1,XXXX-1,3,pmol/L,2026-01-01
p1,14685-2,,pmol/L,2026-01-01
p1,14685-2,250,pmol/L,2027-01-01
p1,14685-2,250,pmol/L,
p1,718-7,71,mmol/L,2026-01-01
p1,718-7,7.1,mmol/L,2026-01-01
p9,14685-2,300,pmol/L,2026-01-01
p1,if_antibodies,1,,2026-01-01
p1,14685-2,300,,2026-01-01
"""
MEDICATIONS = """patient_id,atc,start_date,end_date
p1,A10BA02,2020-01-01,
p1,NOTATC,2020-01-01,
p1,A02BC01,,
p1,A02BC01,2027-01-01,
p3,A02BC01,2020-01-01,
"""
CONDITIONS = """patient_id,code,date
p1,paresthesia,2026-11-01
p1,paresthesia,2026-11-01
p1,made_up,2026-01-01
p1,fatigue,2027-01-01
p1,fatigue,
"""
EXPECTED = {
    ("patients", "unknown_sex"): 1,
    ("patients", "future_date"): 1,
    ("patients", "younger_than_adult"): 1,
    ("patients", "duplicate_row"): 1,
    ("patients", "duplicate_patient"): 2,
    ("patients", "missing_patient_id"): 1,
    ("patients", "unknown_code"): 1,
    ("observations", "duplicate_row"): 1,
    ("observations", "unknown_unit"): 2,
    ("observations", "unknown_code"): 1,
    ("observations", "missing_value"): 1,
    ("observations", "future_date"): 1,
    ("observations", "missing_date"): 1,
    ("observations", "implausible_value"): 1,
    ("observations", "unknown_patient"): 1,
    ("observations", "qualitative_not_read"): 1,
    ("medications", "unknown_code"): 1,
    ("medications", "missing_date"): 1,
    ("medications", "future_date"): 1,
    ("medications", "unknown_patient"): 1,
    ("conditions", "duplicate_row"): 1,
    ("conditions", "unknown_code"): 1,
    ("conditions", "future_date"): 1,
    ("conditions", "missing_date"): 1,
}


def write_bad_extract(folder: Path, drop_column: tuple[str, str] | None = None) -> Path:
    texts = {
        "patients": PATIENTS,
        "observations": OBSERVATIONS,
        "medications": MEDICATIONS,
        "conditions": CONDITIONS,
    }
    for name, text in texts.items():
        if drop_column is not None and drop_column[0] == name:
            lines = [line.split(",") for line in text.splitlines()]
            index = lines[0].index(drop_column[1])
            text = (
                "\n".join(",".join(c for i, c in enumerate(line) if i != index) for line in lines)
                + "\n"
            )
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder
