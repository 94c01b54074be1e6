#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A tiny DBusActivatable app for Ferry's completion-group tests.

The bus starts it (see the .service files next to it) when ferryd calls
org.freedesktop.Application.ActivateAction on its name. It owns the name
given as its argument, exports org.freedesktop.Application at the path
derived from it, and for every call it receives appends one line to the
file named by FERRY_TEST_APP_OUTPUT (kept across instances):

    <method> <the parameters, as GVariant text with types>

written atomically, so the test never reads half a line. It quits once it
has answered a call, as an app does when it has nothing left to show.
"""

import os
import sys

from gi.repository import Gio, GLib

APPLICATION_XML = """
<node>
  <interface name="org.freedesktop.Application">
    <method name="Activate">
      <arg type="a{sv}" name="platform_data" direction="in"/>
    </method>
    <method name="Open">
      <arg type="as" name="uris" direction="in"/>
      <arg type="a{sv}" name="platform_data" direction="in"/>
    </method>
    <method name="ActivateAction">
      <arg type="s" name="action_name" direction="in"/>
      <arg type="av" name="parameter" direction="in"/>
      <arg type="a{sv}" name="platform_data" direction="in"/>
    </method>
  </interface>
</node>
"""

# A forgotten app must not outlive its test for long.
LIFETIME_S = 60


def object_path(app_id):
    return "/" + app_id.replace(".", "/").replace("-", "_")


def main():
    app_id = sys.argv[1]
    output = os.environ["FERRY_TEST_APP_OUTPUT"]
    loop = GLib.MainLoop()

    def on_call(connection, sender, path, interface, method, parameters, invocation):
        # Earlier instances may have written lines already: keep them.
        try:
            with open(output) as f:
                before = f.read()
        except FileNotFoundError:
            before = ""
        line = "%s %s\n" % (method, parameters.print_(True))
        GLib.file_set_contents(output, (before + line).encode())
        invocation.return_value(None)
        connection.flush_sync(None)
        loop.quit()

    bus = Gio.bus_get_sync(Gio.BusType.STARTER, None)
    node = Gio.DBusNodeInfo.new_for_xml(APPLICATION_XML)
    # Export before owning the name: the bus hands over the queued call as
    # soon as the name is ours.
    bus.register_object(object_path(app_id), node.interfaces[0], on_call, None, None)
    Gio.bus_own_name_on_connection(bus, app_id, Gio.BusNameOwnerFlags.NONE,
                                   None, lambda *args: loop.quit())
    GLib.timeout_add_seconds(LIFETIME_S, loop.quit)
    loop.run()


if __name__ == "__main__":
    main()
