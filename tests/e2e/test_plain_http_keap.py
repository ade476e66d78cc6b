"""`syncsvc sync` against a Keap URL over plain http to a non-loopback host: one line naming the key,
exit 1, before any request carries the key (issue 10). Through both Keap APIs."""

from __future__ import annotations

from syncsvc.cli import main


def test_sync_refuses_plain_http_to_keap_in_one_line(world, tmp_path, capsys):
    section = world.infusionsoft_section()
    section["base_url"] = "http://api.infusionsoft.com/crm/xmlrpc/v1"
    section["rest_base_url"] = "http://api.keap.com/crm"
    world.infusionsoft_section = lambda: section
    config = world.config_file(tmp_path)
    capsys.readouterr()

    assert main(["-c", config, "sync"]) == 1
    err = capsys.readouterr().err.strip()
    key = "rest_base_url" if world.api == "rest" else "base_url"
    assert len(err.splitlines()) == 1, err
    assert f"[infusionsoft].{key} = " in err and "https" in err and "clear text" in err
