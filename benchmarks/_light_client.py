"""A participant's page as the server sees it, without a browser: what a real Chromium
asks of Voila and the kernel to become interactive, and nothing it does on its own.

It fetches the page (Voila renders it with a warm kernel and hands the kernel the request),
opens the kernel's websocket and asks for every widget's state (what the page's widget
manager does); it is interactive when the states arrive and hold the widget the real page
waits for. Thirty of these cost the server what thirty people's laptops cost it, while the
benchmark machine's two cores stay free for the server.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

CONTROL_PROTOCOL = "1.0.0"  # ipywidgets' jupyter.widget.control
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')


def _message(session: str, msg_type: str, content: dict[str, Any],
             metadata: dict[str, Any] | None = None) -> str:
    header = {"msg_id": uuid.uuid4().hex, "username": "bench", "session": session,
              "msg_type": msg_type, "version": "5.3",
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    return json.dumps({"header": header, "parent_header": {}, "metadata": metadata or {},
                       "content": content, "channel": "shell", "buffers": []})


def _has_class(states: dict[str, Any], css_class: str) -> bool:
    return any(css_class in (s.get("state", {}).get("_dom_classes") or ())
               for s in states.values())


async def light_join(url: str, css_class: str, timeout: float) -> float | None:
    """Seconds until the page at ``url`` would be interactive (its widget states hold a
    widget with ``css_class``), or None when that did not happen within ``timeout``."""
    start = time.perf_counter()
    deadline = start + timeout
    try:
        response = await AsyncHTTPClient().fetch(url, request_timeout=timeout)
        found = KERNEL_ID.search(response.body.decode())
        if found is None:
            return None
        where = urlsplit(url)
        base = f"ws://{where.netloc}"
        session = uuid.uuid4().hex
        cookie = "; ".join(c.split(";", 1)[0] for c in response.headers.get_list("Set-Cookie"))
        socket = await websocket_connect(HTTPRequest(
            f"{base}/api/kernels/{found.group(1)}/channels?session_id={session}",
            headers={"Cookie": cookie}, request_timeout=timeout))
        comm = uuid.uuid4().hex
        await socket.write_message(_message(session, "comm_open", {
            "comm_id": comm, "target_name": "jupyter.widget.control", "data": {}},
            {"version": CONTROL_PROTOCOL}))
        await socket.write_message(_message(session, "comm_msg", {
            "comm_id": comm, "data": {"method": "request_states"}}))
        while time.perf_counter() < deadline:
            raw = await asyncio.wait_for(socket.read_message(),
                                         max(deadline - time.perf_counter(), 0.01))
            if raw is None:
                return None
            if isinstance(raw, bytes):
                continue  # a binary frame: buffers of some widget, not the states
            msg = json.loads(raw)
            data = msg.get("content", {}).get("data", {})
            if msg.get("msg_type") == "comm_msg" and data.get("method") == "update_states":
                socket.close()
                return time.perf_counter() - start if _has_class(data["states"], css_class) \
                    else None
        socket.close()
    except Exception:  # noqa: BLE001 - a failed join counts as not interactive
        return None
    return None
