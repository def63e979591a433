"""The USPS codes the form accepts are exactly the `us` package's states, DC and territories."""

import us

from shared.domain.geography import STATE_CODES, STATE_NAMES


def test_state_codes_match_the_us_package():
    reference = {s.abbr for s in us.STATES_AND_TERRITORIES} | {"DC"}
    assert reference == STATE_CODES
    assert len(STATE_CODES) == 56


def test_state_names_match_the_us_package():
    names = {s.abbr: s.name for s in us.STATES_AND_TERRITORIES}
    names["DC"] = "District of Columbia"
    mismatched = {code for code in STATE_CODES if STATE_NAMES[code].replace("U.S. ", "") != names[code]}
    assert mismatched == set()
