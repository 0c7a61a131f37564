def test_staff_form_offers_only_grantable_roles(org, web):
    page = web(org.user("county_admin")).get("/accounts/staff/new/").content.decode()
    assert 'value="center_admin"' in page and 'value="sysadmin"' not in page
    page = web(org.user("sysadmin")).get("/accounts/staff/new/").content.decode()
    assert 'value="sysadmin"' in page
