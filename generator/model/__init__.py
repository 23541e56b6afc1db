"""The document model: matrices, customers and the inline text they hold."""
from .blocks import CALLOUT_KINDS, Block, Callout, ListBlock, ListItem, Quote, item_text
from .customer import Customer, CustomerFile, Deviation, Signatory
from .inline import Span, plain, spans
from .matrix import LANGUAGES, Activity, Approval, LegendEntry, Matrix, Party, Revision, Rules, Section
from .roles import RoleCell, format_roles, parse_roles

__all__ = [
    "Activity", "Block", "CALLOUT_KINDS", "Callout", "ListBlock", "ListItem", "Quote", "item_text",
    "Approval", "Customer", "CustomerFile", "Deviation", "LANGUAGES", "LegendEntry",
    "Matrix", "Party", "Revision", "RoleCell", "Rules", "Section", "Signatory", "Span",
    "format_roles", "parse_roles", "plain", "spans",
]
