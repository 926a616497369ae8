"""Print the scrypt hash of a password for AVA_RD_USERS: ``python -m gradio_app.hash_password``."""

from __future__ import annotations

import getpass

from gradio_app.security import hash_password

if __name__ == "__main__":
    print(hash_password(getpass.getpass("password: ")))
