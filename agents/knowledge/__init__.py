"""Knowledge modules: technical, financial and service facts, dealer facts from dealer.yaml."""
