"""Domain rules and figures that know no aiogram and no Bot; collaborators are arguments."""
