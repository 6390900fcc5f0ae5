"""`{% page_part "name" %}…{% endpage_part %}`: a part of the complaint page's body, cached
whole by complaints.page.render_page under a key worked out before any of the body's
context is built.

When the view found the body in the cache, the context holds `page_parts` and the part is
that HTML: the tag renders nothing of its own, since the context the part would need was
never built. Otherwise the part is rendered with the CSRF token as the fragments'
placeholder, handed back in `page_parts_rendered` to be cached, and shown with this
request's token. A page rendered with neither (a form sent back with its errors) renders
its parts plainly.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from lib.templatetags.fragments import csrf_placeholder

register = template.Library()


class PagePartNode(template.Node):
    def __init__(self, name: str, nodelist: template.NodeList) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        cached = context.get("page_parts")
        rendered = context.get("page_parts_rendered")
        if cached is None and rendered is None:
            return self.nodelist.render(context)
        csrf_value = str(context.get("csrf_token") or "")
        if cached is not None and self.name in cached:
            html = cached[self.name]
        elif rendered is None:
            # A part the cached body lacks: cannot happen while the parts a page renders
            # depend only on what its key holds; rendered plainly rather than left out.
            return self.nodelist.render(context)
        else:
            with context.push(csrf_token=csrf_placeholder()):
                html = str(self.nodelist.render(context))
            rendered[self.name] = html
        return mark_safe(html.replace(csrf_placeholder(), csrf_value))  # noqa: S308 - rendered and escaped by the engine


@register.tag
def page_part(parser: template.base.Parser, token: template.base.Token) -> PagePartNode:
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError("'page_part' takes one quoted name")
    nodelist = parser.parse(("endpage_part",))
    parser.delete_first_token()
    return PagePartNode(bits[1][1:-1], nodelist)
