"""Build hook: ship the rule catalog (`rules/`) as the `numlint.rules` subpackage.

Only standard wheels get it: editable installs expose exactly the `numlint` package, and
`numlint.engine.registry` loads the catalog from the checkout, so edits to `rules/` take effect at once
and a top-level `rules` module never exists.
"""

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class RulesCatalogHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        if self.target_name == "wheel" and version == "standard":
            build_data["force_include"]["rules"] = "numlint/rules"
