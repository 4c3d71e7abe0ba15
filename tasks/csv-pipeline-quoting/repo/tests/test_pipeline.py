import io
from decimal import Decimal

from salespipe import run
from salespipe.reader import read_rows


def test_pipeline_end_to_end():
    src = io.StringIO("customer,region,amount,currency\nGlobex,emea,300,EUR\nInitech,apac,10,USD\n")
    out = io.StringIO()
    totals = run(src, out)
    assert totals == {"APAC": Decimal("5.0"), "EMEA": Decimal("300")}
    assert out.getvalue().splitlines()[0] == "customer,region,amount_eur"


def test_round_trip_with_company_names():
    src = io.StringIO(
        'customer,region,amount,currency\n"Acme, Inc.",EMEA,1200.50,EUR\n'
        '"The ""Best"" Shop",APAC,99,USD\nGlobex,EMEA,300,EUR\n'
    )
    out = io.StringIO()
    totals = run(src, out)
    assert totals == {"APAC": Decimal("49.5"), "EMEA": Decimal("1500.50")}
    out.seek(0)
    customers = [row["customer"] for row in read_rows(out)]
    assert customers == ["Acme, Inc.", 'The "Best" Shop', "Globex"]
