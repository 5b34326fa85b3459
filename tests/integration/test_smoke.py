from truce.services import ledger


def test_world_builds_and_verifies(world):
    report = ledger.verify_database(world.truce.db)
    assert report.ok, report.failure
    assert report.head_seq > 10
