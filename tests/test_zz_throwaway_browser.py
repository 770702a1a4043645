def test_data_url(page):
    page.goto("data:text/html;charset=utf-8,<title>hola</title><h1 id=x>Lealtad ñ</h1>")
    assert page.title() == "hola"
    assert page.inner_text("#x") == "Lealtad ñ"
    assert page.evaluate("navigator.language") == "es-EC"
    assert page.viewport_size == {"width": 1280, "height": 900}

def test_again(page, browser):
    assert len(browser.contexts) == 1
    page.goto("data:text/html,<p>dos</p>")
    assert page.inner_text("p") == "dos"

def test_live_server_db(page, live_server, django_user_model):
    django_user_model.objects.create_user("ana", password="x")
    resp = page.goto(live_server.url + "/")
    assert resp is not None
    print("status", resp.status, page.url)
    assert django_user_model.objects.count() == 1

def test_vendor(db):
    import os
    from django.db import connection
    assert connection.vendor == ("postgresql" if os.environ.get("LEALTAD_DATABASE_URL") else "sqlite")
    print("VENDOR", connection.vendor, connection.settings_dict["NAME"])

def test_fail_on_request():
    import os
    assert not os.environ.get("MAKE_FAIL")

def test_sleep():
    import os, time
    if os.environ.get("SLEEP"):
        time.sleep(60)
