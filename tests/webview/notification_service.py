#!/usr/bin/python3
# A freedesktop notification service for the notification plugin's test (tests/webview/plugin_notification.ts),
# run inside `dbus-run-session`: it owns org.freedesktop.Notifications on that session bus, appends every
# Notify call it gets to RECORD (one JSON object a line), then runs COMMAND (the app under test) in the same
# session and exits with its status once it ends. With --absent it owns no name: the bus has no service.
#
#   dbus-run-session -- /usr/bin/python3 notification_service.py RECORD [--absent] -- COMMAND...
import json
import subprocess
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

NAME = "org.freedesktop.Notifications"


class Notifications(dbus.service.Object):
    def __init__(self, bus, record):
        super().__init__(bus, "/org/freedesktop/Notifications")
        self.record = record
        self.next_id = 1

    @dbus.service.method(NAME, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout):
        notification_id = self.next_id
        self.next_id += 1
        entry = {
            "app_name": str(app_name),
            "replaces_id": int(replaces_id),
            "app_icon": str(app_icon),
            "summary": str(summary),
            "body": str(body),
            "actions": [str(a) for a in actions],
            "hints": {str(k): str(v) for k, v in hints.items()},
            "expire_timeout": int(expire_timeout),
        }
        with open(self.record, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return notification_id

    @dbus.service.method(NAME, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("airlock-test-notifier", "airlock", "1.0", "1.2")

    @dbus.service.method(NAME, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["body"]

    @dbus.service.method(NAME, in_signature="u", out_signature="")
    def CloseNotification(self, notification_id):
        pass


def main():
    args = sys.argv[1:]
    split = args.index("--")
    options, command = args[:split], args[split + 1:]
    record = options[0]
    absent = "--absent" in options[1:]
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    if not absent:
        name = dbus.service.BusName(NAME, bus, do_not_queue=True)  # noqa: F841 (held while the loop runs)
        service = Notifications(bus, record)  # noqa: F841
    open(record, "a").close()
    loop = GLib.MainLoop()
    child = subprocess.Popen(command)

    def check():
        if child.poll() is None:
            return True
        loop.quit()
        return False

    GLib.timeout_add(50, check)
    loop.run()
    sys.exit(child.returncode if child.returncode >= 0 else 128 - child.returncode)

main()
