from allauth.account.adapter import DefaultAccountAdapter

from trygg.core.client import client_address


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts are handed out by an administrator; nobody signs up on their own.
        return False

    def get_client_ip(self, request) -> str:
        # allauth's rate limits count per address: the same trusted-proxy rule as every
        # other limit (trygg.core.client), never a header anyone can send.
        return client_address(request) or super().get_client_ip(request)
