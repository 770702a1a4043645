pytest_plugins = ["tests.browser_fixtures", "tests.api_fixtures"]
