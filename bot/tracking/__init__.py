"""Where Rasa keeps conversations: its own SQL tracker store, with personal numbers masked as each
event is written (:mod:`bot.tracking.store`), on SQLite by default and PostgreSQL when scaled out."""
