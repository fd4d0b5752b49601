"""A campaign's networks, written for Gephi: who reposted, replied to, quoted or mentioned
whom among the campaign's posts, which tags travelled together, and who used which tag.

:func:`build` makes the networkx graph from the store's tables and a scope (the campaign's
matching rule, its privacy policy and the store's pseudonym key), :func:`write` writes it as
GEXF, GraphML or CSV. The CLI's ``groundswell network`` and ``groundswell.api.network`` call
them; docs/network.md says what each kind, node and edge attribute means.
"""

from groundswell.network.edges import ACCOUNT_KINDS, KINDS, TAG_KINDS
from groundswell.network.graph import build
from groundswell.network.nodes import ROLES
from groundswell.network.write import FORMATS, format_of, nodes_path, write

__all__ = ["ACCOUNT_KINDS", "FORMATS", "KINDS", "ROLES", "TAG_KINDS", "build", "format_of",
           "nodes_path", "write"]
