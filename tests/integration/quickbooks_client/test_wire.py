"""What our client sends: compact bodies, written once per attempt, and no environment lookups."""

from __future__ import annotations

import json

from quickbooks.batch import BatchManager

from syncsvc.quickbooks import writers

from .builders import customer


def test_writes_and_batches_go_out_compact_and_whole(sandbox, realm, qb):
    sent = []
    request = qb.session.request

    def spy(method, url, data=None, **kwargs):
        sent.append((url, data))
        return request(method, url, data=data, **kwargs)

    qb.session.request = spy
    created = writers.create(qb, customer("Wire Co", "Wi", "Re", "wire@example.com", "Wire Co", "Boston"))
    BatchManager("create").process_batch([customer("Batch Wire One"), customer("Batch Wire Two")], qb=qb)
    assert qb.session.trust_env is False
    write, batch = sent[0][1], sent[1][1]
    assert sent[0][0].endswith("/customer") and sent[1][0].endswith("/batch")
    for body in (write, batch):
        assert "\n" not in body and body == json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    assert json.loads(write)["DisplayName"] == "Wire Co" and created.Id
    assert [i["Customer"]["DisplayName"] for i in json.loads(batch)["BatchItemRequest"]] == [
        "Batch Wire One", "Batch Wire Two"]
    assert len(sandbox.entities(realm, "Customer")) == 3
