"""Access rules: PIN on non-loopback hosts, CSRF on every write, no crop path traversal, read-only mode."""

from __future__ import annotations

from sousveillance.device.store import Store


def test_write_without_csrf_token_fails(client, walk_db):
    client.get("/")  # has a session cookie, but sends no token
    cam = walk_db.camera_ids[0]
    r = client.post(f"/api/cameras/{cam}/confirm")
    assert r.status_code == 403 and "CSRF" in r.json()["error"]
    r = client.post(f"/api/cameras/{cam}/confirm", headers={"X-CSRF-Token": "0" * 40})
    assert r.status_code == 403
    with Store(walk_db.path) as store:
        assert store.db["cameras"].get(cam)["review_state"] == "pending"
        assert store.db["decisions"].count == 0


def test_token_of_another_session_is_refused(make_client, walk_db):
    alice, mallory = make_client(), make_client()
    token = alice.csrf()
    mallory.get("/")
    r = mallory.post(f"/api/cameras/{walk_db.camera_ids[0]}/confirm", headers={"X-CSRF-Token": token})
    assert r.status_code == 403


def test_cross_origin_write_is_refused(client, walk_db):
    token = client.csrf()
    r = client.post(f"/api/cameras/{walk_db.camera_ids[0]}/confirm",
                    headers={"X-CSRF-Token": token, "Origin": "http://evil.example"})
    assert r.status_code == 403 and "cross-origin" in r.json()["error"]


def test_loopback_refuses_foreign_host_header(client):
    r = client.get("/", headers={"Host": "attacker.example:8080"})  # DNS rebinding
    assert r.status_code == 400


def test_hotspot_requires_pin_before_anything(make_client, walk_db):
    c = make_client(base_url="http://10.3.141.1:8080", host="0.0.0.0", pin="4821")
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert c.get(f"/api/walks/{walk_db.walk_id}/cameras").status_code == 401
    assert c.get("/crops/crops/1/cam0-best.jpg").status_code == 401
    assert c.get("/export/geojson").status_code == 401
    login = c.get("/login").text
    assert "Enter the PIN" in login
    import re

    form_token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    # a write without the PIN fails even with the session's token
    r = c.post(f"/api/cameras/{walk_db.camera_ids[0]}/confirm", headers={"X-CSRF-Token": form_token})
    assert r.status_code == 401
    r = c.post("/login", data={"pin": "0000", "csrf_token": form_token})
    assert r.status_code == 401 and "wrong PIN" in r.text
    r = c.post("/login", data={"pin": "4821"}, follow_redirects=False)  # no form token
    assert r.status_code == 401
    r = c.post("/login", data={"pin": "4821", "csrf_token": form_token}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get(f"/api/walks/{walk_db.walk_id}/cameras").status_code == 200
    token = c.csrf()
    r = c.post(f"/api/cameras/{walk_db.camera_ids[0]}/confirm", headers={"X-CSRF-Token": token})
    assert r.status_code == 200


def test_pin_guessing_is_locked_out(make_client):
    import re

    c = make_client(base_url="http://10.3.141.1:8080", host="0.0.0.0", pin="4821")
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    for guess in range(5):
        c.post("/login", data={"pin": f"{guess:04d}", "csrf_token": token})
    r = c.post("/login", data={"pin": "4821", "csrf_token": token})
    assert r.status_code == 401 and "too many wrong PINs" in r.text


def test_forged_session_cookie_is_not_authenticated(make_client, walk_db):
    c = make_client(base_url="http://10.3.141.1:8080", host="0.0.0.0", pin="4821")
    c.cookies.set("sv_session", "abc.1.deadbeef", domain="10.3.141.1")
    assert c.get(f"/api/walks/{walk_db.walk_id}").status_code == 401


def test_crafted_crop_paths_cannot_leave_the_walk_folder(client, walk_db):
    secret = walk_db.path.parent.parent / "secret.txt"
    secret.write_text("home address")
    (walk_db.path.parent / "notes.jpg").write_bytes(b"not a crop")  # inside the walk folder, outside crops/
    assert client.get("/crops/crops/1/cam0-best.jpg").headers["content-type"] == "image/jpeg"
    for path in ("/crops/../secret.txt", "/crops/..%2f..%2fsecret.txt", "/crops/crops/..%2f..%2fsecret.txt",
                 "/crops/%2e%2e/%2e%2e/secret.txt", "/crops/crops/1/../../../secret.txt", "/crops/notes.jpg",
                 "/crops/%2Fetc%2Fpasswd", "/crops/crops/1/../../walks.db", "/crops//etc/passwd"):
        r = client.get(path)
        assert r.status_code in (400, 404), path
        assert b"home address" not in r.content and b"root:" not in r.content and b"SQLite" not in r.content


def test_read_only_mode_refuses_writes(make_client, walk_db):
    c = make_client(read_only=True)
    token = c.csrf()
    assert "read-only" in c.get("/").text
    r = c.post(f"/api/cameras/{walk_db.camera_ids[0]}/confirm", headers={"X-CSRF-Token": token})
    assert r.status_code == 403 and "read-only" in r.json()["error"]
    assert c.get(f"/api/walks/{walk_db.walk_id}/cameras").status_code == 200
    with Store(walk_db.path) as store:
        assert store.db["cameras"].get(walk_db.camera_ids[0])["review_state"] == "pending"
