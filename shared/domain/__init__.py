"""The program's rules as pure code: stages and gates, routing, follow-up rules, the seed's words."""
