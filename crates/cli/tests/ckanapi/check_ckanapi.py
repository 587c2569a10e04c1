"""Drive Kho's Action API with the real `ckanapi` client library.

Usage: check_ckanapi.py BASE_URL SYSADMIN_TOKEN WORK_DIR

Every call goes through ckanapi.RemoteCKAN exactly as scripts written for
CKAN make it; errors must come back as ckanapi's own exception classes.
Exits non-zero at the first failed check.
"""
import hashlib
import os
import sys
import urllib.request

import ckanapi
from ckanapi import NotAuthorized, NotFound, ValidationError

base, token, work = sys.argv[1], sys.argv[2], sys.argv[3]
admin = ckanapi.RemoteCKAN(base, apikey=token)
anon = ckanapi.RemoteCKAN(base)
anon_get = ckanapi.RemoteCKAN(base, get_only=True)
checks = 0


def check(cond, what):
    global checks
    if not cond:
        print("FAILED:", what)
        sys.exit(1)
    checks += 1


def raises(exc, fn, what):
    try:
        fn()
    except exc as e:
        check(True, what)
        return e
    except Exception as e:  # noqa: BLE001
        check(False, f"{what}: expected {exc.__name__}, got {type(e).__name__}: {e}")
    check(False, f"{what}: expected {exc.__name__}, nothing raised")


a = admin.action
status = anon.action.status_show()
check(status["site_url"] == base, "status_show")
check(anon_get.action.site_read() is True, "site_read (GET)")
check(any(l["id"] == "cc-by-4.0" for l in anon.action.license_list()), "license_list")

# Organizations and groups
prov = a.organization_create(name="tinh-thu", title="UBND Tỉnh Thử", agency_kind="province")
dept = a.organization_create(name="so-thu", title="Sở Thử", parent="tinh-thu")
check(dept["parent_id"] == prov["id"], "organization_create with parent")
check(a.organization_show(id="tinh-thu")["children"] == ["so-thu"], "organization_show children")
check(set(anon.action.organization_list()) == {"tinh-thu", "so-thu"}, "organization_list")
check(anon.action.organization_list(all_fields=True)[0]["name"] == "so-thu", "organization_list all_fields")
check(a.organization_patch(id="so-thu", description="Mô tả")["description"] == "Mô tả", "organization_patch")
check(a.organization_update(id="so-thu", title="Sở Thử Nghiệm", parent="tinh-thu")["title"] == "Sở Thử Nghiệm", "organization_update")
grp = a.group_create(name="chu-de", title="Chủ đề")
check(anon.action.group_show(id="chu-de")["title"] == "Chủ đề", "group_show")
check(anon.action.group_list() == ["chu-de"], "group_list")

# Users, tokens, membership
user = a.user_create(name="bien-tap", email="bt@kho.test", password="mat-khau-123", fullname="Biên Tập")
check(user["name"] == "bien-tap", "user_create")
tok = a.api_token_create(user="bien-tap", name="ckanapi")["token"]
editor = ckanapi.RemoteCKAN(base, apikey=tok)
a.organization_member_create(id="so-thu", username="bien-tap", role="editor")
check(editor.action.user_show(id="bien-tap")["email"] == "bt@kho.test", "user_show own email")
check("email" not in anon.action.user_show(id="bien-tap"), "user_show hides email")
orgs = editor.action.organization_list_for_user(permission="create_dataset")
check([o["name"] for o in orgs] == ["so-thu"], "organization_list_for_user")
check(len(editor.action.api_token_list(user="bien-tap")) == 1, "api_token_list")
other = a.user_create(name="thanh-vien", email="tv@kho.test")
m = a.member_create(id="so-thu", object="thanh-vien", object_type="user", capacity="member")
check(m["capacity"] == "member", "member_create user")

# Datasets
pkg = editor.action.package_create(
    name="du-lieu-thu", title="Dữ liệu thử", owner_org="so-thu", license_id="cc-by-4.0",
    notes="Mô tả *Markdown*", tags=[{"name": "thử nghiệm"}], extras=[{"key": "nguon", "value": "ckanapi"}],
    resources=[{"url": "https://example.vn/a.csv", "format": "CSV", "name": "A"}],
    data_sharing="open", data_importance="other", update_frequency="monthly",
)
check(pkg["organization"]["name"] == "so-thu", "package_create")
check(anon.action.package_show(id=pkg["id"]) == anon.action.package_show(id="du-lieu-thu"), "package_show id/name")
check(anon_get.action.package_show(id="du-lieu-thu")["title"] == "Dữ liệu thử", "package_show (GET)")
check(anon.action.package_list() == ["du-lieu-thu"], "package_list")
shown = editor.action.package_show(id="du-lieu-thu")
shown["title"] = "Dữ liệu thử (sửa)"
upd = editor.action.package_update(**shown)
check(upd["title"] == "Dữ liệu thử (sửa)" and upd["resources"] == shown["resources"], "package_update round trip")
check(editor.action.package_patch(id="du-lieu-thu", version="2")["version"] == "2", "package_patch")
check(a.member_create(id="chu-de", object="du-lieu-thu", object_type="package", capacity="public")["table_name"] == "package", "member_create package")
check(anon.action.package_show(id="du-lieu-thu")["groups"][0]["name"] == "chu-de", "dataset in group")

# Resources, with a real file upload
res = editor.action.resource_create(package_id="du-lieu-thu", url="https://example.vn/b.json", name="B")
check(anon.action.resource_show(id=res["id"])["name"] == "B", "resource_create/show")
path = os.path.join(work, "tinh-thanh.csv")
content = "ma,ten\n01,Hà Nội\n79,Hồ Chí Minh\n".encode()
with open(path, "wb") as f:
    f.write(content)
with open(path, "rb") as f:
    up = editor.action.resource_create(package_id="du-lieu-thu", name="Tải lên", upload=f)
check(up["url_type"] == "upload" and up["size"] == len(content), "resource_create with upload")
check(up["hash"] == hashlib.sha256(content).hexdigest(), "upload hash")
with urllib.request.urlopen(up["url"]) as r:
    check(r.read() == content, "download of the uploaded file")
with open(path, "rb") as f:
    up2 = editor.action.resource_update(id=up["id"], name="Tải lên lần 2", upload=f)
check(up2["name"] == "Tải lên lần 2" and up2["url_type"] == "upload", "resource_update with upload")
check(editor.action.resource_patch(id=res["id"], description="Mô tả")["description"] == "Mô tả", "resource_patch")
check(editor.action.resource_update(id=res["id"], url="https://example.vn/c.json")["url"] == "https://example.vn/c.json", "resource_update")
editor.action.resource_delete(id=res["id"])
raises(NotFound, lambda: anon.action.resource_show(id=res["id"]), "resource_delete")

# Activity, tags
acts = anon.action.package_activity_list(id="du-lieu-thu")
check(acts[-1]["activity_type"] == "new package" and acts[0]["activity_type"] == "changed package", "package_activity_list")
check(any(x["activity_type"] == "new organization" for x in anon.action.organization_activity_list(id="so-thu")), "organization_activity_list")
check("thử nghiệm" in anon.action.tag_list(), "tag_list")
check(anon.action.current_package_list_with_resources()[0]["name"] == "du-lieu-thu", "current_package_list_with_resources")

# Errors come back as ckanapi's exceptions
raises(NotFound, lambda: anon.action.package_show(id="khong-ton-tai"), "NotFound")
raises(NotAuthorized, lambda: anon.action.package_create(name="an-danh", owner_org="so-thu"), "NotAuthorized (anonymous)")
e = raises(ValidationError, lambda: editor.action.package_create(name="Sai Ten", owner_org="so-thu"), "ValidationError")
check("name" in e.error_dict, "ValidationError carries the field")
e = raises(ValidationError, lambda: editor.action.package_create(name="du-lieu-thu", owner_org="so-thu"), "duplicate name")
check(e.error_dict["name"] == ["That URL is already in use."], "duplicate name message")
raises(ValidationError, lambda: a.organization_delete(id="so-thu"), "organization_delete with datasets")
private = editor.action.package_create(name="rieng-tu", owner_org="so-thu", private=True)
raises(NotFound, lambda: anon.action.package_show(id="rieng-tu"), "private hidden")
check("rieng-tu" not in anon.action.package_list(), "private not listed")

# Search, with CKAN's parameter names (dotted ones passed as **{...})
r = anon.action.package_search(q="dữ liệu thử", **{"facet.field": ["organization", "tags", "license_id", "groups"]})
check(set(r) == {"count", "facets", "results", "sort", "search_facets"}, "package_search result keys")
check(r["count"] == 1 and [p["name"] for p in r["results"]] == ["du-lieu-thu"], "package_search q")
check(r["sort"] == "score desc, metadata_modified desc", "package_search default sort")
check(r["facets"]["organization"] == {"so-thu": 1} and r["facets"]["tags"] == {"thử nghiệm": 1}, "package_search facets")
check(r["facets"]["groups"] == {"chu-de": 1} and r["facets"]["license_id"] == {"cc-by-4.0": 1}, "package_search facets")
check(r["search_facets"]["organization"]["items"] == [{"name": "so-thu", "display_name": "Sở Thử Nghiệm", "count": 1}],
      "search_facets shows the organization's title")
check(r["search_facets"]["license_id"]["items"][0]["display_name"] == "Creative Commons Attribution 4.0",
      "search_facets shows the licence's title")
hit = dict(r["results"][0])
check("<mark>" in hit.pop("highlight")["title"], "package_search highlight")
check(hit == anon.action.package_show(id="du-lieu-thu"), "package_search results are package_show dictionaries")
check(anon.action.package_search(q="DU LIEU THU")["count"] == 1, "package_search without diacritics")
check(anon.action.package_search(fq='organization:so-thu +tags:"thử nghiệm"')["count"] == 1, "package_search fq")
check(anon.action.package_search(fq="organization:so-thu", include_private=True)["count"] == 1,
      "include_private shows an anonymous caller nothing more")
mine = editor.action.package_search(fq="organization:so-thu", include_private=True, sort="name asc")
check(mine["count"] == 2 and [p["name"] for p in mine["results"]] == ["du-lieu-thu", "rieng-tu"],
      "include_private shows an editor the organization's private dataset")
check(mine["sort"] == "name asc", "package_search echoes the sort")
check(anon.action.package_search(fq_list=["organization:so-thu", "res_format:CSV"])["count"] == 1, "package_search fq_list")
check(anon.action.package_search(fq="-organization:so-thu")["count"] == 0, "package_search negative fq")
fl = anon.action.package_search(q="name:du-lieu-thu", fl="name,title")["results"]
check(fl == [{"name": "du-lieu-thu", "title": "Dữ liệu thử (sửa)"}], "package_search fl")
g = anon_get.action.package_search(q="thử", rows=1, **{"facet.field": '["tags"]', "facet.limit": 5})
check(g["count"] == 1 and g["facets"]["tags"] == {"thử nghiệm": 1}, "package_search (GET)")
e = raises(ValidationError, lambda: anon.action.package_search(q="(thử"), "package_search unbalanced parentheses")
check("q" in e.error_dict, "the query error names q")
raises(ValidationError, lambda: anon.action.package_search(sort="nonsense asc"), "package_search bad sort")
raises(ValidationError, lambda: anon.action.package_search(**{"facet.field": ["nonsense"]}), "package_search bad facet")

# Deleting and revoking
a.member_delete(id="chu-de", object="du-lieu-thu", object_type="package")
a.organization_member_delete(id="so-thu", username="thanh-vien")
editor.action.package_delete(id="du-lieu-thu")
raises(NotFound, lambda: anon.action.package_show(id="du-lieu-thu"), "package_delete")
check(a.package_show(id="du-lieu-thu")["state"] == "deleted", "sysadmin sees deleted")
a.dataset_purge(id="du-lieu-thu")
raises(NotFound, lambda: a.package_show(id="du-lieu-thu"), "dataset_purge")
editor.action.package_delete(id="rieng-tu")
a.dataset_purge(id="rieng-tu")
a.organization_delete(id="so-thu")
raises(NotFound, lambda: anon.action.organization_show(id="so-thu"), "organization_delete")
editor.action.api_token_revoke(token=tok)
raises(NotAuthorized, lambda: editor.action.user_show(id="bien-tap"), "revoked token")
print(f"ALL CKANAPI CHECKS PASSED ({checks} checks)")
