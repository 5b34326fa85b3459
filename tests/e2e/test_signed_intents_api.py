def test_a_decision_makes_several_entries_under_one_intent(
    client: TestClient, world: World, keeper: Signer
) -> None:
    us = {"Authorization": f"Bearer {token_for(world, 'us')}", "Content-Type": "application/json"}
    proposed = client.post(PATH, content=body_for(world), headers=us)
    assert proposed.status_code == 201, proposed.text
    path = f"{PATH}/{proposed.json()['id']}/decision"
    body = json.dumps({"decision": "approve", "reason": "seen"}).encode()
    headers = signed_headers(
        world, keeper, body, path, action=f"POST {PATH}/{{id}}/decision", subject=path
    )
    response = client.post(path, content=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    receipt = json.loads(intents.b64url_decode(response.headers["Truce-Receipt"]))
    signed = [e for e in ledger(world) if e.intent is not None]
    assert len(signed) >= 2  # the decision and the status change it makes
    assert receipt["entries"] == [{"seq": e.seq, "hash": e.hash} for e in signed]
    assert len({e.intent["nonce"] for e in signed}) == 1
    report = verify(ledger(world))
    assert report.ok, report.failure
    assert report.authored == len(signed)
